from django.db import migrations

from accounts.roles import grant

READ = ["customers.view_customer", "customers.view_contact", "customers.view_segment", "customers.view_tag",
        "customers.view_lifecyclechange"]
STAFF = READ + [
    "customers.add_customer", "customers.change_customer", "customers.export_customer",
    "customers.add_contact", "customers.change_contact", "customers.delete_contact",
    "customers.add_segment", "customers.change_segment", "customers.delete_segment", "customers.add_tag",
]
MANAGER = STAFF + [
    "customers.delete_customer", "customers.import_customer", "customers.change_any_customer",
    "customers.change_any_segment", "customers.view_importbatch",
]


def grant_customer_permissions(apps, schema_editor):
    grant(apps, schema_editor, {
        "staff": STAFF,
        "manager": MANAGER,
        "auditor": READ + ["customers.export_customer", "customers.view_importbatch"],
        "admin": MANAGER,
    })


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial"), ("accounts", "0002_roles")]
    operations = [migrations.RunPython(grant_customer_permissions, migrations.RunPython.noop)]
