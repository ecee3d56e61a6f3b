"""Doing the visit: record, reschedule, cancel; reminders and escalation sent once; feed tokens."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Team
from core.exceptions import ApplicationError
from core.mail import mail_outbox_sweep
from core.models import AuditEvent, OutboxMessage
from customers.models import SatisfactionDimension
from tests.factories import ContactFactory, CustomerFactory, UserFactory
from tests.visits.factories import VisitFactory
from visits import services
from visits.models import CalendarFeed, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def dimensions():
    return list(SatisfactionDimension.objects.filter(is_active=True)[:2])


@pytest.fixture
def visit(staff_user):
    return VisitFactory(assignee=staff_user, customer=CustomerFactory(owner=staff_user))


def _record(visit, actor, **overrides):
    values = {"visited_on": timezone.localdate(), "summary": "Met the buyer; satisfied with delivery."}
    values.update(overrides)
    return services.visit_record(actor=actor, visit=visit, **values)


def test_record_saves_scores_contacts_issues_and_an_audit_event(visit, staff_user, dimensions):
    contact = ContactFactory(customer=visit.customer)

    _record(
        visit,
        staff_user,
        contact_ids=[contact.pk],
        scores={dimensions[0].pk: 4, dimensions[1].pk: 2},
        issues=[{"description": "Invoices arrive late", "severity": "high"}, {"description": "  "}],
        next_steps="Call finance next week",
    )

    visit.refresh_from_db()
    assert visit.status == Visit.Status.DONE and visit.completed_at is not None
    assert list(visit.contacts_met.all()) == [contact]
    assert dict(visit.scores.values_list("dimension_id", "score")) == {dimensions[0].pk: 4, dimensions[1].pk: 2}
    assert list(visit.issues.values_list("description", "severity")) == [("Invoices arrive late", "high")]
    event = AuditEvent.objects.filter(object_id=str(visit.pk), action=AuditEvent.Action.TRANSITION).get()
    assert event.changes["status"] == ["planned", "done"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"summary": "  "}, "summary"),
        ({"visited_on": datetime.date.today() + datetime.timedelta(days=2)}, "before it happened"),
        ({"scores": {"DIM": 6}}, "Scores go from 1"),
        ({"scores": {999999: 3}}, "Unknown satisfaction dimension"),
        ({"issues": [{"description": "x", "severity": "apocalyptic"}]}, "Unknown severity"),
    ],
)
def test_bad_record_input_changes_nothing(visit, staff_user, dimensions, overrides, message):
    if overrides.get("scores") == {"DIM": 6}:
        overrides = {"scores": {dimensions[0].pk: 6}}

    with pytest.raises(ApplicationError, match=message):
        _record(visit, staff_user, **overrides)

    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED
    assert not visit.scores.exists() and not visit.issues.exists()


def test_contacts_of_another_customer_are_refused(visit, staff_user):
    stranger = ContactFactory()

    with pytest.raises(ApplicationError, match="contacts of this customer"):
        _record(visit, staff_user, contact_ids=[stranger.pk])


def test_recording_twice_records_once(visit, staff_user, dimensions):
    _record(visit, staff_user, scores={dimensions[0].pk: 5})

    with pytest.raises(ApplicationError, match="already recorded"):
        _record(Visit.objects.get(pk=visit.pk), staff_user, scores={dimensions[0].pk: 1})

    assert list(visit.scores.values_list("score", flat=True)) == [5]


def test_other_staff_and_auditors_cannot_record(visit, other_staff_user, auditor_user):
    for actor in (other_staff_user, auditor_user):
        with pytest.raises(ApplicationError):
            _record(visit, actor)
    assert Visit.objects.get(pk=visit.pk).status == Visit.Status.PLANNED


def test_manager_can_record_any_visit(visit, manager_user):
    _record(visit, manager_user)

    assert Visit.objects.get(pk=visit.pk).status == Visit.Status.DONE


def test_reschedule_moves_the_date_counts_and_needs_a_reason(visit, staff_user):
    new_date = timezone.localdate() + datetime.timedelta(days=5)

    with pytest.raises(ApplicationError):
        services.visit_reschedule(actor=staff_user, visit=visit, due_date=new_date, reason=" ")
    services.visit_reschedule(actor=staff_user, visit=visit, due_date=new_date, reason="Customer on holiday")

    visit.refresh_from_db()
    assert (visit.due_date, visit.reschedule_count) == (new_date, 1)


def test_reschedule_into_the_past_is_refused(visit, staff_user):
    with pytest.raises(ApplicationError, match="past"):
        services.visit_reschedule(
            actor=staff_user, visit=visit, due_date=timezone.localdate() - datetime.timedelta(days=1), reason="x"
        )


def test_cancel_keeps_the_reason_and_a_cancelled_visit_cannot_be_recorded(visit, staff_user):
    services.visit_cancel(actor=staff_user, visit=visit, reason="Customer closed the site")

    visit.refresh_from_db()
    assert (visit.status, visit.cancel_reason) == (Visit.Status.CANCELLED, "Customer closed the site")
    with pytest.raises(ApplicationError):
        _record(visit, staff_user)


# -- reminders and escalation -----------------------------------------------------------------------


def test_reminder_is_sent_the_day_before_once_in_the_assignees_language(staff_user, django_capture_on_commit_callbacks):
    staff_user.preferred_language = "zh-hans"
    staff_user.save()
    today = timezone.localdate()
    tomorrow = VisitFactory(assignee=staff_user, due_date=today + datetime.timedelta(days=1))
    VisitFactory(assignee=staff_user, due_date=today + datetime.timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.visits_send_reminders() == 1
        assert services.visits_send_reminders() == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [staff_user.email]
    assert tomorrow.customer.name in message.subject and message.subject.startswith("提醒")
    assert tomorrow.get_absolute_url() in message.body


def test_a_reminder_the_relay_refused_is_sent_on_a_later_run(staff_user, settings, django_capture_on_commit_callbacks):
    """The reminder is marked sent in the transaction that records its e-mail: a relay outage no
    longer loses it (nor the rest of the day's), the outbox sweeper delivers it once the relay works."""
    today = timezone.localdate()
    visits = [VisitFactory(assignee=staff_user, due_date=today + datetime.timedelta(days=1)) for _ in range(2)]
    settings.EMAIL_BACKEND = "tests.mail_backends.DisconnectingRelayBackend"

    with django_capture_on_commit_callbacks(execute=True):
        assert services.visits_send_reminders() == 2  # returns normally

    assert mail.outbox == []
    waiting = OutboxMessage.objects.filter(reference__in=[f"visit:{v.pk}" for v in visits])
    assert sorted(waiting.values_list("status", flat=True)) == ["pending", "pending"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.visits_send_reminders() == 0  # already reminded: not twice
            mail_outbox_sweep()

    bodies = [message.body for message in mail.outbox]
    assert len(bodies) == 2 and all(sum(v.get_absolute_url() in body for body in bodies) == 1 for v in visits)
    assert set(waiting.values_list("status", flat=True)) == {"sent"}


def test_a_reminder_whose_mail_could_not_be_recorded_is_tried_on_the_next_run(staff_user, monkeypatch):
    visit = VisitFactory(assignee=staff_user, due_date=timezone.localdate() + datetime.timedelta(days=1))

    def template_broken(**kwargs):
        raise RuntimeError("template error")

    monkeypatch.setattr(services, "mail_send", template_broken)
    with pytest.raises(RuntimeError):
        services.visits_send_reminders()
    visit.refresh_from_db()
    assert visit.reminder_sent_at is None  # rolled back with the failed recording

    monkeypatch.undo()
    assert services.visits_send_reminders() == 1


def test_reminder_again_after_a_reschedule(staff_user, django_capture_on_commit_callbacks):
    visit = VisitFactory(assignee=staff_user, due_date=timezone.localdate() + datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.visits_send_reminders()
    services.visit_reschedule(
        actor=staff_user, visit=visit, due_date=timezone.localdate() + datetime.timedelta(days=3), reason="x"
    )

    with time_machine.travel(timezone.now() + datetime.timedelta(days=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.visits_send_reminders() == 1

    assert len(mail.outbox) == 2


def test_overdue_visit_is_escalated_to_the_team_manager_once(staff_user, django_capture_on_commit_callbacks):
    boss = UserFactory(username="boss", role="manager")
    team = Team.objects.create(name="North", manager=boss)
    team.members.add(staff_user)
    overdue = VisitFactory(assignee=staff_user, due_date=timezone.localdate() - datetime.timedelta(days=3))
    VisitFactory(assignee=staff_user, due_date=timezone.localdate() - datetime.timedelta(days=1))  # within grace

    with django_capture_on_commit_callbacks(execute=True):
        assert services.visits_escalate_overdue() == 1
        assert services.visits_escalate_overdue() == 0

    assert [m.to for m in mail.outbox] == [[boss.email]]
    assert overdue.customer.name in mail.outbox[0].subject
    assert AuditEvent.objects.filter(object_id=str(overdue.pk), comment__icontains="overdue").count() == 1


def test_overdue_without_a_team_goes_to_the_managers(staff_user, manager_user, django_capture_on_commit_callbacks):
    VisitFactory(assignee=staff_user, due_date=timezone.localdate() - datetime.timedelta(days=5))

    with django_capture_on_commit_callbacks(execute=True):
        services.visits_escalate_overdue()

    assert [m.to for m in mail.outbox] == [[manager_user.email]]


def test_done_and_cancelled_visits_are_never_escalated(staff_user, manager_user, django_capture_on_commit_callbacks):
    past = timezone.localdate() - datetime.timedelta(days=9)
    VisitFactory(assignee=staff_user, due_date=past, status="cancelled")
    VisitFactory(assignee=staff_user, due_date=past, status="done", visited_on=past, completed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        assert services.visits_escalate_overdue() == 0
    assert mail.outbox == []


# -- calendar feed tokens -----------------------------------------------------------------------------


def test_renewing_the_feed_revokes_the_old_token_and_stores_only_a_hash(staff_user):
    first = services.calendar_feed_renew(user=staff_user)
    second = services.calendar_feed_renew(user=staff_user)

    assert services.calendar_feed_user(token=first) is None
    assert services.calendar_feed_user(token=second) == staff_user
    assert CalendarFeed.objects.get().token_hash != second
    assert CalendarFeed.objects.count() == 1


def test_an_inactive_users_feed_stops_working(staff_user):
    token = services.calendar_feed_renew(user=staff_user)
    staff_user.is_active = False
    staff_user.save()

    assert services.calendar_feed_user(token=token) is None
