"""Loyalty questions (surveys.models.LoyaltyAspect) travel through the questionnaire file, and the
file refuses a loyalty question that would mix loyalty into satisfaction."""

import pytest

from customers.models import SatisfactionDimension
from surveys import interchange
from surveys.models import Question, Questionnaire, QuestionnaireVersion

pytestmark = pytest.mark.django_db


def _file(**question):
    return {
        "format": interchange.FORMAT,
        "code": "loyal",
        "name": "Loyalty",
        "title_en": "Survey",
        "title_zh": "调查",
        "questions": [{"code": "again", "kind": "rating", "text_en": "Again?", "scale_max": 5, **question}],
    }


def test_a_loyalty_question_is_exported_and_built_again():
    data = _file(loyalty_aspect="repurchase")
    interchange.validate(data, dimension_codes=None)
    questionnaire = Questionnaire.objects.create(code="loyal", name="Loyalty")
    models = {
        "QuestionnaireVersion": QuestionnaireVersion,
        "Question": Question,
        "SatisfactionDimension": SatisfactionDimension,
    }
    version = interchange.version_build(data, questionnaire=questionnaire, number=1, created_by=None, models=models)
    assert version.questions.get().loyalty_aspect == "repurchase"
    assert interchange.version_export(version)["questions"][0]["loyalty_aspect"] == "repurchase"


@pytest.mark.parametrize(
    "question",
    [
        {"loyalty_aspect": "gossip"},
        {"loyalty_aspect": "retention", "dimension": "quality"},
        {"loyalty_aspect": "retention", "kind": "text"},
    ],
)
def test_the_file_refuses_a_loyalty_question_that_is_not_apart_from_satisfaction(question):
    with pytest.raises(interchange.InvalidQuestionnaire) as error:
        interchange.validate(_file(**question), dimension_codes=None)
    assert "loyalty question" in str(error.value)
