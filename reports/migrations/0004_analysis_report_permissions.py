from django.db import migrations

from accounts.roles import grant

VIEW = [
    "reports.view_analysisreport",
    "reports.view_reportschedule",
    "reports.view_scheduledreport",
]
MANAGER = VIEW + [
    "reports.add_analysisreport",
    "reports.change_analysisreport",
    "reports.add_reportschedule",
    "reports.change_reportschedule",
]


def forwards(apps, schema_editor):
    # Managers generate analysis reports, write their conclusions and edit report schedules; staff
    # and auditors read and download the reports.
    grant(apps, schema_editor, {"staff": VIEW, "manager": MANAGER, "admin": MANAGER, "auditor": VIEW})


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_analysis_report"), ("accounts", "0003_team")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
