"""Lifecycle steps stored "Customer created" / "Imported" (or their Chinese) as their reason: a
sentence in the language of whoever made the record. The step's kind is shown in the reader's
language from the step itself, so those reasons are cleared; reasons people typed stay."""

from django.db import migrations

SYSTEM_REASONS = ["Customer created", "新建顾客", "Imported", "已导入", "导入"]


def forwards(apps, schema_editor):
    LifecycleChange = apps.get_model("customers", "LifecycleChange")
    LifecycleChange.objects.filter(reason__in=SYSTEM_REASONS).update(reason="")


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_name_sort_keys")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
