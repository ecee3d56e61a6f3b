"""What the migrations ship: the three questionnaire templates and the role permissions."""

import pytest
from django.contrib.auth.models import Group

from surveys.models import Question, QuestionKind, Questionnaire

pytestmark = pytest.mark.django_db


def test_three_questionnaire_templates_ship_with_bilingual_questions_and_dimensions():
    codes = set(Questionnaire.objects.values_list("code", flat=True))
    assert {"general-satisfaction", "complaint-handling", "follow-up-visit"} <= codes

    general = Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1)
    questions = list(general.questions.select_related("dimension", "condition_question"))
    assert all(q.text_en and q.text_zh for q in questions)
    dimensions = {q.dimension.code for q in questions if q.dimension_id}
    assert dimensions == {"quality", "delivery", "price", "service_attitude", "response_speed", "after_sales"}
    assert any(q.kind == QuestionKind.NPS for q in questions)
    why = next(q for q in questions if q.code == "quality_why")
    assert why.condition_question.code == "quality" and why.condition_max_score == 2


def test_every_role_can_read_surveys_and_only_managers_and_admins_change_them():
    def perms(role):
        return set(
            Group.objects.get(name=role)
            .permissions.filter(content_type__app_label="surveys")
            .values_list("codename", flat=True)
        )

    for role in ("staff", "manager", "auditor", "admin"):
        assert {"view_campaign", "view_response", "view_questionnaire"} <= perms(role)
    assert "add_campaign" in perms("manager") and "add_campaign" in perms("admin")
    assert not {p for p in perms("auditor") | perms("staff") if p.startswith(("add_", "change_", "delete_"))}
    assert "export_response" in perms("auditor")


def test_a_question_condition_must_stay_within_its_version():
    from django.core.exceptions import ValidationError

    general, complaint = (
        Questionnaire.objects.get(code=c).versions.get() for c in ("general-satisfaction", "complaint-handling")
    )
    question = Question(
        version=general,
        code="x",
        kind="text",
        text_en="x",
        condition_question=complaint.questions.first(),
        condition_max_score=2,
    )

    with pytest.raises(ValidationError):
        question.clean()
