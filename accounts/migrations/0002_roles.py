from django.db import migrations

from accounts.roles import grant


def create_roles(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            "staff": [],
            "manager": ["core.view_auditevent"],
            "auditor": ["core.view_auditevent"],
            "admin": ["core.view_auditevent", "accounts.view_user", "accounts.add_user", "accounts.change_user",
                      "auth.view_group", "auth.change_group"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
