from django.db import migrations

from accounts.roles import grant

MODELS = ["measurementplan", "questionnaire", "questionnaireversion", "question", "campaign", "invitation",
          "response", "answer"]
READ = [f"surveys.view_{m}" for m in MODELS]
MANAGE = READ + [f"surveys.{action}_{m}" for m in ("measurementplan", "questionnaire", "questionnaireversion",
                                                     "question", "campaign") for action in ("add", "change", "delete")]
MANAGE += ["surveys.export_response"]


def grant_survey_permissions(apps, schema_editor):
    # Staff follow campaigns and read answers about their customers; managers and admins run the
    # survey programme; auditors read and export the evidence.
    grant(apps, schema_editor, {
        "staff": READ,
        "manager": MANAGE,
        "admin": MANAGE,
        "auditor": READ + ["surveys.export_response"],
    })


def load_templates(apps, schema_editor):
    from surveys import interchange

    Questionnaire = apps.get_model("surveys", "Questionnaire")
    models = {
        "QuestionnaireVersion": apps.get_model("surveys", "QuestionnaireVersion"),
        "Question": apps.get_model("surveys", "Question"),
        "SatisfactionDimension": apps.get_model("customers", "SatisfactionDimension"),
    }
    for data in interchange.templates():
        questionnaire, created = Questionnaire.objects.get_or_create(
            code=data["code"], defaults={"name": data["name"], "kind": data["kind"], "description": data["description"]}
        )
        if created:
            interchange.version_build(data, questionnaire=questionnaire, number=1, created_by=None, models=models)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial"), ("accounts", "0002_roles"), ("customers", "0003_satisfactiondimension")]
    operations = [
        migrations.RunPython(grant_survey_permissions, migrations.RunPython.noop),
        migrations.RunPython(load_templates, migrations.RunPython.noop),
    ]
