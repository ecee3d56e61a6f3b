from django.db import migrations


def loyalty_questions(apps, schema_editor):
    """The shipped general-satisfaction template asks loyalty (repurchase, recommending, staying against
    a competitor's offer; surveys/data). Its version 1 gets those questions, as a new installation
    loads it, only while that version has never been sent: a sent version is evidence and stays as
    it was (a manager adds the questions to a new version in the builder)."""
    from surveys import interchange

    Version = apps.get_model("surveys", "QuestionnaireVersion")
    Question = apps.get_model("surveys", "Question")
    Campaign = apps.get_model("surveys", "Campaign")
    for data in interchange.templates():
        loyal = [item for item in data["questions"] if item.get("loyalty_aspect")]
        version = Version.objects.filter(questionnaire__code=data["code"], number=1).first()
        if not loyal or version is None or version.sent_at is not None:
            continue
        if Campaign.objects.filter(questionnaire_version=version).exists():
            continue
        existing = {question.code: question for question in Question.objects.filter(version=version)}
        for item in loyal:
            question = existing.get(item["code"])
            if question is None:
                question = Question(
                    version=version,
                    code=item["code"],
                    kind=item["kind"],
                    required=bool(item.get("required", True)),
                    scale_max=item.get("scale_max", 10 if item["kind"] == "nps" else 5),
                    **{field: item.get(field, "") for field in interchange.QUESTION_TEXT_FIELDS},
                )
                existing[item["code"]] = question
            if question.kind in ("rating", "nps") and question.dimension_id is None:
                question.loyalty_aspect = item["loyalty_aspect"]
                question.save()
        order = [item["code"] for item in data["questions"]]
        for question in existing.values():
            if question.code in order:
                Question.objects.filter(pk=question.pk).update(position=order.index(question.code))
            else:
                Question.objects.filter(pk=question.pk).update(position=len(order) + question.position)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0012_open_client_scored_once")]
    operations = [migrations.RunPython(loyalty_questions, migrations.RunPython.noop)]
