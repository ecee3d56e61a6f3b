"""seed_demo loads visits, complaints and a survey with responses through the apps' services, once."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from complaints.models import CalendarDay, Complaint, CorrectiveAction
from core.models import AuditEvent
from surveys import services as survey_services
from surveys.models import Campaign, Invitation, Response
from visits.models import Visit, VisitIssue, VisitPlan, VisitScore

pytestmark = pytest.mark.django_db

COUNTED = (
    CalendarDay,
    VisitPlan,
    Visit,
    VisitScore,
    VisitIssue,
    Complaint,
    CorrectiveAction,
    Campaign,
    Invitation,
    Response,
)


def _counts() -> dict:
    return {model.__name__: model.objects.count() for model in (*COUNTED, AuditEvent)}


@pytest.fixture(autouse=True)
def _fresh_answering_caches():
    survey_services.answering_caches_clear()
    yield
    survey_services.answering_caches_clear()


def test_seed_demo_loads_visits_complaints_and_a_survey_once():
    call_command("seed_demo", stdout=StringIO())
    today = timezone.localdate()

    plans = VisitPlan.objects.filter(trigger="schedule")
    assert set(plans.values_list("cadence", flat=True)) == {"monthly", "quarterly"}
    assert Visit.objects.filter(status=Visit.Status.DONE, visited_on__lt=today).count() >= 5
    assert VisitScore.objects.exists() and VisitIssue.objects.exists()
    assert Visit.objects.filter(status=Visit.Status.PLANNED, due_date__lt=today).exists()  # overdue
    assert Visit.objects.filter(status=Visit.Status.PLANNED, due_date=today, assignee__username="staff").exists()

    states = set(Complaint.objects.values_list("state", flat=True))
    assert {"received", "acknowledged", "investigating", "resolved", "closed", "withdrawn"} <= states
    assert Complaint.objects.filter(reopen_count__gt=0).exists()
    assert Complaint.objects.filter(assignee__username="staff").exists()
    assert Complaint.objects.filter(assignee__username="staff2").exists()
    assert CorrectiveAction.objects.filter(result=CorrectiveAction.Result.EFFECTIVE).exists()
    assert Complaint.objects.count() >= 15
    # The 2026 holiday calendar: National Day is a holiday, the Sunday before it a make-up working day.
    assert CalendarDay.objects.filter(kind="holiday", date__year=2026).count() == 33
    assert CalendarDay.objects.get(date=datetime.date(2026, 10, 1)).kind == "holiday"
    assert CalendarDay.objects.get(date=datetime.date(2026, 9, 20)).kind == "workday"

    campaign = Campaign.objects.get()
    assert campaign.status == Campaign.Status.RUNNING
    responses = Response.objects.filter(campaign=campaign)
    assert responses.count() == 20
    assert responses.filter(csi__isnull=False).count() == 20
    assert len(set(responses.values_list("nps_score", flat=True))) > 3  # varied scores

    before = _counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo data already loaded." in out.getvalue()
    assert _counts() == before


@pytest.mark.parametrize("module", ["visits.demo", "complaints.demo", "surveys.demo"])
def test_each_app_seed_is_idempotent_on_its_own(module):
    import importlib
    import random

    from accounts.models import User

    call_command("seed_demo", stdout=StringIO())
    before = _counts()
    users = {u.username: u for u in User.objects.all()}
    importlib.import_module(module).seed(users=users, rng=random.Random(1))
    assert _counts() == before
