from django.db import migrations

from accounts.roles import grant

VIEW = ["complaints.view_complaint"]
STAFF = VIEW + ["complaints.add_complaint", "complaints.change_complaint"]


def forwards(apps, schema_editor):
    grant(apps, schema_editor, {"staff": STAFF, "manager": STAFF, "admin": STAFF, "auditor": VIEW})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial"), ("accounts", "0002_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
