from django.db import migrations

from accounts.roles import grant


def grant_view_all_responses(apps, schema_editor):
    # Staff read the answers about the customers they own; managers, admins and auditors read all.
    grant(
        apps,
        schema_editor,
        {role: ["surveys.view_all_responses"] for role in ("manager", "admin", "auditor")},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0009_campaign_close_weights_page_settings"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="response",
            options={
                "ordering": ["-submitted_at", "-id"],
                "permissions": [
                    ("export_response", "Can export survey responses"),
                    ("view_all_responses", "Can read every survey response, not only those about own customers"),
                ],
                "verbose_name": "survey response",
                "verbose_name_plural": "survey responses",
            },
        ),
        migrations.RunPython(grant_view_all_responses, migrations.RunPython.noop),
    ]
