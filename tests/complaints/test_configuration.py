"""SLA policies, the holiday calendar and escalation levels are data an administrator edits."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from complaints.models import CalendarDay, SlaPolicy

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_holidays_and_make_up_days_from_the_calendar_move_the_due_dates(open_complaint):
    friday_17 = datetime.datetime(2026, 9, 25, 17, 0, tzinfo=SHANGHAI)
    CalendarDay.objects.create(date=datetime.date(2026, 9, 28), kind="holiday", name="Mid-autumn")  # Monday off
    CalendarDay.objects.create(date=datetime.date(2026, 9, 27), kind="workday", name="调休")  # Sunday worked

    complaint = open_complaint(received_at=friday_17, severity="high")  # acknowledge within 2 working hours

    assert complaint.acknowledge_due_at == datetime.datetime(2026, 9, 27, 10, 0, tzinfo=SHANGHAI)


def test_policy_for_the_customers_tier_wins_over_the_general_one(open_complaint, customer):
    monday_9 = datetime.datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)
    SlaPolicy.objects.update_or_create(
        severity="low", tier="general", defaults={"acknowledge_hours": 1, "resolve_days": 1}
    )
    complaint = open_complaint(received_at=monday_9, severity="low")
    assert complaint.acknowledge_due_at == monday_9 + datetime.timedelta(hours=1)
    assert complaint.resolve_due_at == datetime.datetime(2026, 11, 16, 18, 0, tzinfo=SHANGHAI)


def test_without_any_policy_there_is_no_due_date(open_complaint):
    SlaPolicy.objects.all().delete()
    complaint = open_complaint()
    assert complaint.resolve_due_at is None and complaint.acknowledge_due_at is None


def test_compliments_get_no_resolution_deadline(open_complaint):
    assert open_complaint(kind="compliment").resolve_due_at is None


@pytest.mark.parametrize("model", ["calendarday", "slapolicy", "escalationrule", "complaintcategory"])
def test_administrators_edit_the_configuration_in_the_admin(admin_client_role, model):
    assert admin_client_role.get(reverse(f"admin:complaints_{model}_add")).status_code == 200
    assert admin_client_role.get(reverse(f"admin:complaints_{model}_changelist")).status_code == 200


def test_complaints_are_read_only_in_the_admin(admin_client_role, complaint):
    assert admin_client_role.get(reverse("admin:complaints_complaint_add")).status_code == 403
    response = admin_client_role.post(
        reverse("admin:complaints_complaint_change", args=[complaint.pk]), {"state": "closed"}
    )
    assert response.status_code == 403
