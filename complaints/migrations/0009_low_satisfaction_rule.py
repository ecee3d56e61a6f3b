from django.db import migrations


def forwards(apps, schema_editor):
    EscalationRule = apps.get_model("complaints", "EscalationRule")
    EscalationRule.objects.get_or_create(
        code="low-satisfaction-manager",
        defaults={
            "name": "Customer unhappy with the handling: tell the department manager",
            "level": 2,
            "deadline": "low_rating",
            "offset_minutes": 0,
            "audience": "manager",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0008_satisfaction")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
