from django.db import migrations, models

from accounts.roles import grant

# The dimensions of domain.md: the default library an organisation starts from.
DIMENSIONS = [
    ("quality", "Product quality", "产品质量", 1.5),
    ("delivery", "Delivery", "交付", 1.2),
    ("price", "Price", "价格", 1.0),
    ("service_attitude", "Service attitude", "服务态度", 1.0),
    ("response_speed", "Response speed", "响应速度", 1.1),
    ("after_sales", "After-sales service", "售后服务", 1.2),
]


def load_dimensions(apps, schema_editor):
    Dimension = apps.get_model("customers", "SatisfactionDimension")
    for position, (code, name_en, name_zh, weight) in enumerate(DIMENSIONS):
        Dimension.objects.get_or_create(
            code=code, defaults={"name_en": name_en, "name_zh": name_zh, "weight": weight, "position": position}
        )


def grant_permissions(apps, schema_editor):
    view = ["customers.view_satisfactiondimension"]
    manage = view + ["customers.add_satisfactiondimension", "customers.change_satisfactiondimension"]
    grant(apps, schema_editor, {"staff": view, "manager": manage, "auditor": view, "admin": manage})


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_role_permissions")]

    operations = [
        migrations.CreateModel(
            name="SatisfactionDimension",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=40, unique=True, verbose_name="code")),
                ("name_en", models.CharField(max_length=100, verbose_name="name (English)")),
                ("name_zh", models.CharField(max_length=100, verbose_name="name (Chinese)")),
                ("description", models.TextField(blank=True, verbose_name="description")),
                ("weight", models.DecimalField(decimal_places=2, default=1, help_text="Importance weight used by the satisfaction index unless a questionnaire sets its own.", max_digits=5, verbose_name="default weight")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "verbose_name": "satisfaction dimension",
                "verbose_name_plural": "satisfaction dimensions",
                "ordering": ["position", "code"],
                "constraints": [models.CheckConstraint(condition=models.Q(("weight__gt", 0)), name="dimension_weight_positive")],
            },
        ),
        migrations.RunPython(load_dimensions, migrations.RunPython.noop),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]
