from django.db import migrations

from accounts.roles import grant

VIEW = [
    "reports.view_figures",
    "reports.view_qualityobjective",
    "reports.view_objectiveresult",
    "reports.view_fillstate",
]
MANAGER = VIEW + [
    "reports.add_qualityobjective",
    "reports.change_qualityobjective",
    "reports.add_objectiveresult",
    "reports.change_objectiveresult",
]


def forwards(apps, schema_editor):
    # Managers set objectives and enter manual results; staff and auditors read figures and objectives.
    grant(apps, schema_editor, {"staff": VIEW, "manager": MANAGER, "admin": MANAGER, "auditor": VIEW})


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("accounts", "0003_team")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
