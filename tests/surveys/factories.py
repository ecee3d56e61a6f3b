"""Factories and helpers for survey tests."""

import datetime

import factory
from django.test import TestCase
from django.utils import timezone

from surveys import services, tokens
from surveys.models import Campaign, Invitation, Questionnaire
from tests.factories import ContactFactory, CustomerFactory


class SurveyableContactFactory(ContactFactory):
    survey_consent = True
    consent_at = factory.LazyFunction(timezone.now)
    preferred_language = "en"


def customers_with_contacts(n: int, *, language: str = "en", **customer_fields):
    customers = []
    for _ in range(n):
        customer = CustomerFactory(**customer_fields)
        SurveyableContactFactory(customer=customer, preferred_language=language, is_primary=True)
        customers.append(customer)
    return customers


def general_version():
    return Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1)


def running_campaign(manager, segment, **kwargs) -> Campaign:
    campaign = services.campaign_create(
        actor=manager,
        name=kwargs.pop("name", "Yearly survey"),
        version=kwargs.pop("version", None) or general_version(),
        segment=segment,
        closes_at=kwargs.pop("closes_at", timezone.now() + datetime.timedelta(days=30)),
        **kwargs,
    )
    with committed():
        return services.campaign_send(actor=manager, campaign=campaign)


def committed():
    """Run the on-commit callbacks (Celery tasks, eager in tests) as a real commit would."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def submit(invitation, data, language="en"):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    with committed():
        return services.response_submit(invitation=invitation, data=query, language=language)


def token_of(invitation: Invitation) -> str:
    return tokens.token_for(invitation.token_salt)


def full_answers(score: int = 5, recommend: int = 9) -> dict:
    """POST data answering every required question of the general template."""
    data = {
        f"q-{code}": str(score)
        for code in ("quality", "delivery", "price", "service_attitude", "response_speed", "after_sales")
    }
    data.update(
        {
            f"q-{code}-importance": "5"
            for code in ("quality", "delivery", "price", "service_attitude", "response_speed", "after_sales")
        }
    )
    data["q-overall"] = str(score)
    data["q-recommend"] = str(recommend)
    return data
