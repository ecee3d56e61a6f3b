from django.db import migrations

from accounts.roles import grant

READ_REVIEWS = ["evidence.view_measurementreview", "evidence.view_managementreview"]
WRITE_REVIEWS = READ_REVIEWS + [
    "evidence.add_measurementreview",
    "evidence.change_measurementreview",
    "evidence.add_managementreview",
    "evidence.change_managementreview",
]
PACKS = ["evidence.view_evidencepack", "evidence.add_evidencepack"]


def grant_evidence_permissions(apps, schema_editor):
    # Managers keep the review records; everyone reads them. Auditors and managers read the evidence
    # page and generate and download packs (a request, not a change: read-only users may make it);
    # staff do not carry the whole evidence away.
    grant(
        apps,
        schema_editor,
        {
            "staff": READ_REVIEWS,
            "manager": WRITE_REVIEWS + PACKS,
            "admin": WRITE_REVIEWS + PACKS,
            "auditor": READ_REVIEWS + PACKS,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant_evidence_permissions, migrations.RunPython.noop)]
