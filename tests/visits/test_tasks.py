"""The periodic jobs: registered, on the beat schedule, and safe to run twice."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from csm.celery import app
from tests.factories import CustomerFactory, SegmentFactory
from tests.visits.factories import VisitFactory, VisitPlanFactory
from visits import tasks
from visits.models import Visit

pytestmark = pytest.mark.django_db

VISIT_TASKS = {
    "visits.tasks.visits_schedule_due_task",
    "visits.tasks.visits_send_reminders_task",
    "visits.tasks.visits_escalate_overdue_task",
}


def test_every_visit_job_is_on_the_beat_schedule_and_registered():
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    app.loader.import_default_modules()

    assert VISIT_TASKS <= scheduled
    assert VISIT_TASKS <= set(app.tasks)


def test_schedule_task_run_twice_creates_visits_once(staff_user):
    CustomerFactory(tier="key", owner=staff_user)
    VisitPlanFactory(segment=SegmentFactory(criteria={"tier": "key"}))

    with time_machine.travel(datetime.datetime(2026, 11, 3, 9, tzinfo=datetime.UTC), tick=False):
        first = tasks.visits_schedule_due_task.delay().get()
        second = tasks.visits_schedule_due_task.delay().get()

    assert (first, second) == (1, 0)
    assert Visit.objects.count() == 1


def test_reminder_and_escalation_tasks_send_once(staff_user, manager_user, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    VisitFactory(assignee=staff_user, due_date=today + datetime.timedelta(days=1))
    VisitFactory(assignee=staff_user, due_date=today - datetime.timedelta(days=4))

    with django_capture_on_commit_callbacks(execute=True):
        results = [tasks.visits_send_reminders_task.delay().get() for _ in range(2)]
        results += [tasks.visits_escalate_overdue_task.delay().get() for _ in range(2)]

    assert results == [1, 0, 1, 0]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([staff_user.email, manager_user.email])
