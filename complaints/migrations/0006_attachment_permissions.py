from django.db import migrations

from accounts.roles import grant

VIEW = ["complaints.view_complaintattachment"]
WORK = VIEW + ["complaints.add_complaintattachment"]


def forwards(apps, schema_editor):
    grant(apps, schema_editor, {"staff": WORK, "manager": WORK, "admin": WORK, "auditor": VIEW})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0005_attachments"), ("accounts", "0002_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
