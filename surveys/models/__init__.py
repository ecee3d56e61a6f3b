"""Satisfaction surveys (顾客满意程度调查): measurement plans, versioned questionnaires, campaigns,
personal invitations and the responses they collect (ISO 9001:2015 9.1.2, ISO 10004)."""

from .campaigns import Answer, Campaign, CampaignTrigger, Invitation, Response
from .questionnaires import (
    CONFIDENCE_CHOICES,
    PLAN_EDITABLE_FIELDS,
    QUESTION_EDITABLE_FIELDS,
    SCALE_MAXIMA,
    VERSION_EDITABLE_FIELDS,
    Bilingual,
    Frequency,
    LoyaltyAspect,
    MeasurementPlan,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireKind,
    QuestionnaireVersion,
    SurveyMethod,
)
from .settings import LOGO_CONTENT_TYPES, LOGO_MAX_BYTES, SurveyPageSettings, logo_version

__all__ = [
    "CONFIDENCE_CHOICES",
    "LOGO_CONTENT_TYPES",
    "LOGO_MAX_BYTES",
    "PLAN_EDITABLE_FIELDS",
    "QUESTION_EDITABLE_FIELDS",
    "SCALE_MAXIMA",
    "VERSION_EDITABLE_FIELDS",
    "Answer",
    "Bilingual",
    "Campaign",
    "CampaignTrigger",
    "Frequency",
    "Invitation",
    "LoyaltyAspect",
    "MeasurementPlan",
    "Question",
    "QuestionKind",
    "Questionnaire",
    "QuestionnaireKind",
    "QuestionnaireVersion",
    "Response",
    "SurveyMethod",
    "SurveyPageSettings",
    "logo_version",
]
