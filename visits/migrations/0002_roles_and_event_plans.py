from django.db import migrations

from accounts.roles import grant

VIEW = ["visits.view_visit", "visits.view_visitplan", "visits.view_visitscore", "visits.view_visitissue"]
STAFF = VIEW + ["visits.add_visit", "visits.change_visit"]
MANAGER = STAFF + ["visits.view_all_visits", "visits.change_all_visits", "visits.add_visitplan",
                   "visits.change_visitplan", "visits.delete_visitplan"]

# Event plans an organisation starts with; managers edit them like any plan.
EVENT_PLANS = [
    ("Follow-up after a closed complaint", "complaint_closed", 7, "phone", "complaint_follow_up"),
    ("Call after a low survey score", "low_survey_score", 3, "phone", "low_score_follow_up"),
    ("Win-back visit for a lost customer", "customer_lost", 14, "on_site", "win_back"),
]


def forwards(apps, schema_editor):
    grant(apps, schema_editor, {
        "staff": STAFF, "manager": MANAGER, "admin": MANAGER, "auditor": VIEW + ["visits.view_all_visits"],
    })
    VisitPlan = apps.get_model("visits", "VisitPlan")
    for name, trigger, days, channel, purpose in EVENT_PLANS:
        VisitPlan.objects.get_or_create(name=name, defaults={
            "trigger": trigger, "due_in_days": days, "channel": channel, "purpose": purpose, "assignment": "owner",
        })


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial"), ("customers", "0003_satisfactiondimension"), ("accounts", "0003_team")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
