"""API tokens moved to django-rest-knox (hashed, expiring). The old table of DRF's authtoken kept
every token in plain text: drop it, so no database copy or backup holds a usable token. The admin
role issues and revokes users' tokens in /admin/."""

from django.db import migrations

from accounts.roles import grant


def grant_tokens(apps, schema_editor):
    grant(apps, schema_editor, {"admin": ["knox.view_authtoken", "knox.add_authtoken", "knox.delete_authtoken"]})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_team"), ("knox", "0009_extend_authtoken_field")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(grant_tokens, migrations.RunPython.noop),
    ]
