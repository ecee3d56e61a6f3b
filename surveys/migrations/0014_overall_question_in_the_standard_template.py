from django.db import migrations


def overall_question(apps, schema_editor):
    """The shipped general-satisfaction template asks overall satisfaction (a rating tied to no
    dimension: the key-driver analysis regresses it on the dimension scores; surveys/data). Its version
    1 gets that question, as a new installation loads it, only while that version has never been sent:
    a sent version is evidence and stays as it was (a manager adds the question to a new version)."""
    from surveys import interchange

    Version = apps.get_model("surveys", "QuestionnaireVersion")
    Question = apps.get_model("surveys", "Question")
    Campaign = apps.get_model("surveys", "Campaign")
    for data in interchange.templates():
        wanted = [item for item in data["questions"] if item["code"] == "overall"]
        version = Version.objects.filter(questionnaire__code=data["code"], number=1).first()
        if not wanted or version is None or version.sent_at is not None:
            continue
        if Campaign.objects.filter(questionnaire_version=version).exists():
            continue
        existing = {question.code: question for question in Question.objects.filter(version=version)}
        for item in wanted:
            if item["code"] in existing:
                continue
            existing[item["code"]] = Question.objects.create(
                version=version,
                code=item["code"],
                kind=item["kind"],
                required=bool(item.get("required", True)),
                scale_max=item.get("scale_max", 5),
                ask_importance=bool(item.get("ask_importance", False)),
                **{field: item.get(field, "") for field in interchange.QUESTION_TEXT_FIELDS},
            )
        order = [item["code"] for item in data["questions"]]
        for question in existing.values():
            if question.code in order:
                Question.objects.filter(pk=question.pk).update(position=order.index(question.code))
            else:
                Question.objects.filter(pk=question.pk).update(position=len(order) + question.position)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0013_loyalty_questions_in_the_standard_template")]
    operations = [migrations.RunPython(overall_question, migrations.RunPython.noop)]
