from django.db import migrations

from accounts.roles import grant

READ = ["feedback.view_feedbackrecord", "feedback.view_benchmarkscore"]
RECORD = READ + ["feedback.add_feedbackrecord", "feedback.change_feedbackrecord", "feedback.delete_feedbackrecord"]
MANAGE = RECORD + [
    "feedback.change_any_feedbackrecord",
    "feedback.add_benchmarkscore",
    "feedback.change_benchmarkscore",
    "feedback.delete_benchmarkscore",
]


def grant_feedback_permissions(apps, schema_editor):
    # Staff record the feedback they hear (sales, after-sales) about their customers; managers also
    # correct anyone's and enter competitor and benchmark scores; auditors read.
    grant(apps, schema_editor, {"staff": RECORD, "manager": MANAGE, "admin": MANAGE, "auditor": READ})


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant_feedback_permissions, migrations.RunPython.noop)]
