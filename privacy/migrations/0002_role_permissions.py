from django.db import migrations

from accounts.roles import grant

HANDLE = ["privacy.export_subject_data", "privacy.erase_subject_data", "privacy.view_subjectrequest"]


def grant_privacy_permissions(apps, schema_editor):
    # Data-subject requests are handled by managers (and administrators): a copy of someone's data
    # or its erasure is a decision on behalf of the organisation. Staff and auditors get none.
    grant(apps, schema_editor, {"manager": HANDLE, "admin": HANDLE})


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant_privacy_permissions, migrations.RunPython.noop)]
