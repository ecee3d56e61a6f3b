"""Factories for complaints. Complaints are opened through the service in most tests (it sets the
reference and the due dates); these build rows directly when a test needs a particular state."""

import datetime

import factory
from django.utils import timezone

from complaints.models import CalendarDay, Complaint, CorrectiveAction
from tests.factories import CustomerFactory, UserFactory


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    reference = factory.Sequence(lambda n: f"CMP-2026-9{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    channel = "hotline"
    severity = "medium"
    subject = factory.Sequence(lambda n: f"Complaint {n}")
    description = "The pump leaks."
    received_at = factory.LazyFunction(timezone.now)


class CorrectiveActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorrectiveAction

    complaint = factory.SubFactory(ComplaintFactory)
    kind = "corrective"
    description = "Replace the seal supplier."
    owner = factory.SubFactory(UserFactory, role="staff")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))


def action_waiting_period_passed(action: CorrectiveAction) -> CorrectiveAction:
    """Move a done action's completion back past its waiting period, so its effectiveness check is due."""
    done_at = timezone.now() - datetime.timedelta(days=action.verification_wait_days + 1)
    CorrectiveAction.objects.filter(pk=action.pk).update(done_at=done_at)
    action.refresh_from_db()
    return action


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarDay
        django_get_or_create = ("date",)

    date = datetime.date(2026, 10, 1)
    kind = "holiday"
    name = "National Day"
