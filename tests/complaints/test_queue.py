"""The queue: my/team queue, filters, sort by due date, bulk assignment, and a bounded query count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from accounts.models import Team
from complaints import selectors, services
from complaints.filters import end_of_week
from complaints.models import Complaint, ComplaintCategory
from tests.factories import CustomerFactory, SegmentFactory

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[str]:
    response = client.get(reverse("complaints:list"), params)
    assert response.status_code == 200
    return [c.reference for c in response.context["page"]]


def test_my_queue_and_my_teams_queue(staff_client, staff_user, other_staff_user, manager_user, open_complaint):
    team = Team.objects.create(name="After-sales", manager=manager_user)
    team.members.add(staff_user)
    mine = open_complaint()
    services.complaint_assign(actor=manager_user, complaint=mine, assignee=staff_user)
    teams = open_complaint()
    services.complaint_assign(actor=manager_user, complaint=teams, assignee=other_staff_user, team=team)
    others = open_complaint()
    services.complaint_assign(actor=manager_user, complaint=others, assignee=other_staff_user)

    assert listed(staff_client, queue="mine") == [mine.reference]
    assert listed(staff_client, queue="team") == [teams.reference]
    assert set(listed(staff_client)) == {mine.reference, teams.reference, others.reference}


def test_overdue_and_due_this_week(staff_client, open_complaint):
    now = timezone.now()
    overdue = open_complaint(subject="overdue")
    Complaint.objects.filter(pk=overdue.pk).update(resolve_due_at=now - datetime.timedelta(hours=1))
    this_week = open_complaint(subject="soon")
    Complaint.objects.filter(pk=this_week.pk).update(
        resolve_due_at=min(now + datetime.timedelta(minutes=5), end_of_week(now) - datetime.timedelta(seconds=1)),
        acknowledge_due_at=now + datetime.timedelta(minutes=5),
    )
    later = open_complaint(subject="later")
    Complaint.objects.filter(pk=later.pk).update(
        resolve_due_at=end_of_week(now) + datetime.timedelta(days=3),
        acknowledge_due_at=now + datetime.timedelta(days=1),
    )
    Complaint.objects.filter(pk=overdue.pk).update(acknowledge_due_at=now + datetime.timedelta(days=1))

    assert listed(staff_client, overdue="true") == [overdue.reference]
    assert listed(staff_client, due_this_week="true") == [this_week.reference]
    assert listed(staff_client) == [overdue.reference, this_week.reference, later.reference]  # soonest due first
    assert listed(staff_client, ordering="-resolve_due_at")[0] == later.reference


def test_filters_by_state_severity_category_parent_and_segment(staff_client, staff_user, open_complaint):
    defect = ComplaintCategory.objects.get(code="product-defect")
    key_customer = CustomerFactory(tier="key")
    critical = open_complaint(severity="critical", category=defect, customer=key_customer)
    billing = open_complaint(category=ComplaintCategory.objects.get(code="billing-invoice"))
    services.complaint_transition(actor=staff_user, complaint=billing, action="acknowledge")
    segment = SegmentFactory(criteria={"tier": "key"})

    assert listed(staff_client, severity="critical") == [critical.reference]
    assert listed(staff_client, state="acknowledged") == [billing.reference]
    product_quality = ComplaintCategory.objects.get(code="product-quality")
    assert listed(staff_client, category=product_quality.pk) == [critical.reference]  # children included
    assert listed(staff_client, segment=segment.pk) == [critical.reference]
    assert listed(staff_client, q=critical.reference) == [critical.reference]
    assert listed(staff_client, open="false") == []


def test_invalid_filter_values_show_the_unfiltered_list(staff_client, complaint):
    assert listed(staff_client, severity="nonsense") == [complaint.reference]


def test_list_query_count_does_not_grow_with_rows(staff_client, open_complaint, django_assert_max_num_queries):
    for _ in range(12):
        open_complaint()
    with django_assert_max_num_queries(14):
        staff_client.get(reverse("complaints:list"), {"open": "true"})


def test_bulk_assign_from_the_list(manager_client, staff_user, open_complaint):
    first, second, untouched = (open_complaint(assigned=False) for _ in range(3))
    response = manager_client.post(
        reverse("complaints:bulk_assign"),
        {"complaints": [first.pk, second.pk], "assignee": staff_user.pk, "next": "/complaints/?open=true"},
    )
    assert response.status_code == 302 and response["Location"] == "/complaints/?open=true"
    assert set(Complaint.objects.filter(assignee=staff_user)) == {first, second}
    untouched.refresh_from_db()
    assert untouched.assignee is None


def test_bulk_assign_refuses_an_outside_redirect_and_explains_an_empty_selection(manager_client, staff_user):
    response = manager_client.post(
        reverse("complaints:bulk_assign"), {"assignee": staff_user.pk, "next": "https://evil.example/"}, follow=True
    )
    assert response.redirect_chain[0][0] == reverse("complaints:list")
    assert "Select complaints to assign." in response.content.decode()


def test_sla_status_flags(complaint):
    now = complaint.received_at
    assert selectors.sla_status(complaint, now) == "on_time"
    assert selectors.sla_status(complaint, complaint.resolve_due_at - datetime.timedelta(hours=1)) == "overdue"  # ack
    complaint.state = "acknowledged"
    assert selectors.sla_status(complaint, complaint.resolve_due_at - datetime.timedelta(hours=1)) == "due_soon"
    assert selectors.sla_status(complaint, complaint.resolve_due_at + datetime.timedelta(hours=1)) == "overdue"
    complaint.sla_paused_at = now
    assert selectors.sla_status(complaint, now) == "paused"


def test_rows_show_what_the_models_say(staff_client, manager_user, staff_user, open_complaint):
    """The table is built from plain values (complaints.views.queue.QueueRow): the same labels,
    links and names the models give."""
    team = Team.objects.create(name="After-sales")
    staff_user.first_name, staff_user.last_name = "Wei", "Zhang"
    staff_user.save()
    late = ComplaintCategory.objects.get(code="delivery-late")
    complaint = open_complaint(severity="high", category=late, kind="compliment")
    services.complaint_assign(actor=manager_user, complaint=complaint, assignee=staff_user, team=team)
    bare = open_complaint(subject="No category, nobody assigned", assigned=False)

    response = staff_client.get(reverse("complaints:list"))
    rows = {row.reference: row for row in response.context["page"]}
    page = response.content.decode()

    complaint = Complaint.objects.get(pk=complaint.pk)
    row = rows[complaint.reference]
    assert row.url == complaint.get_absolute_url() and f'href="{row.url}"' in page
    assert row.category == str(complaint.category) == str(late) and "/" in row.category  # "parent / child"
    assert row.assignee == str(staff_user) == "Wei Zhang" and row.team == "After-sales"
    assert row.severity_label == complaint.get_severity_display() and row.state_label == complaint.get_state_display()
    assert row.kind_label == complaint.get_kind_display() and row.sla == selectors.sla_status(complaint)
    assert row.customer == complaint.customer.name
    assert complaint.resolve_due_at is None and row.resolve_due == "—"  # compliments carry no deadline
    empty = rows[bare.reference]
    assert (empty.category, empty.assignee, empty.team, empty.kind_label) == ("", "—", "", "")
    local_due = timezone.localtime(bare.resolve_due_at)
    assert empty.resolve_due == formats.date_format(local_due, "SHORT_DATETIME_FORMAT") and empty.resolve_due in page


def test_a_long_list_says_more_than_the_limit_and_still_pages(staff_client, open_complaint, monkeypatch):
    from complaints.views import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 1)
    monkeypatch.setattr(queue, "COUNT_LIMIT", 2)
    made = [open_complaint(subject=f"Complaint {n}") for n in range(4)]

    first = staff_client.get(reverse("complaints:list"), {"ordering": "received_at"})
    text = first.content.decode()
    assert 'data-testid="result-count">More than 2 complaints<' in text
    assert "Page 1 of 2+" in text and 'rel="next"' in text
    assert [c.reference for c in first.context["page"]] == [made[0].reference]

    last = staff_client.get(reverse("complaints:list"), {"ordering": "received_at", "page": 4})
    text = last.content.decode()
    assert 'data-testid="result-count">4 complaints<' in text and "Page 4 of 4" in text and 'rel="next"' not in text
    assert [c.reference for c in last.context["page"]] == [made[3].reference]


def test_a_long_list_says_more_than_the_limit_in_chinese(staff_client, open_complaint, monkeypatch):
    from complaints.views import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 1)
    monkeypatch.setattr(queue, "COUNT_LIMIT", 2)
    for _ in range(3):
        open_complaint()
    text = staff_client.get(reverse("complaints:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "超过 2 条投诉" in text and "共 2+ 页" in text


def test_page_lists_are_what_the_fields_querysets_give(user_of_role, manager_user):
    from complaints.filters import ComplaintFilter, assignee_choices
    from complaints.forms import worker_choices

    user_of_role("admin", username="aa-admin")
    user_of_role("staff", username="zz-staff", is_active=False)
    both = user_of_role("staff", username="mm-both")
    both.groups.add(manager_user.groups.get())
    Team.objects.create(name="QA")
    Team.objects.create(name="After-sales")

    lists = selectors.QueuePageLists()
    assert lists.assignees == list(assignee_choices()) and lists.workers == list(worker_choices())
    assert len(lists.workers) == len(lists.assignees) + 1  # the admin: assigned to, not in the filter
    assert lists.teams == list(Team.objects.all())
    assert lists.categories == list(ComplaintFilter.base_filters["category"].queryset)
    assert lists.category_labels == {c.pk: str(c) for c in ComplaintCategory.objects.all()}


def test_the_page_reads_each_list_once(manager_client, open_complaint, django_assert_num_queries):
    for _ in range(3):
        open_complaint()
    # Session, user, roles and permissions; count, rows and the rows' customers; categories, segments,
    # people (and which of them have a queue role), departments.
    with django_assert_num_queries(11):
        response = manager_client.get(reverse("complaints:list"), {"open": "true"})
    assert 'id="bulk-assign"' in response.content.decode()


def test_a_row_names_an_assignee_who_is_no_longer_offered(staff_client, manager_user, other_staff_user, open_complaint):
    complaint = open_complaint()
    services.complaint_assign(actor=manager_user, complaint=complaint, assignee=other_staff_user)
    other_staff_user.is_active = False  # left the company: no longer offered, still named on the row
    other_staff_user.save()

    response = staff_client.get(reverse("complaints:list"))
    row = next(row for row in response.context["page"] if row.reference == complaint.reference)
    assert row.assignee == str(other_staff_user) and row.customer == complaint.customer.name


def test_escalated_queue_shows_complaints_escalated_in_their_current_cycle(staff_client, open_complaint):
    from complaints.models import Escalation, EscalationRule

    first, second = EscalationRule.objects.all()[:2]
    now_escalated = open_complaint(subject="escalated now")
    Escalation.objects.create(complaint=now_escalated, rule=first, cycle=0)
    Escalation.objects.create(complaint=now_escalated, rule=second, cycle=0)  # twice: listed once
    reopened = open_complaint(subject="escalated before it was reopened")
    Escalation.objects.create(complaint=reopened, rule=first, cycle=0)
    Complaint.objects.filter(pk=reopened.pk).update(reopen_count=1)
    open_complaint(subject="never escalated")

    assert listed(staff_client, queue="escalated") == [now_escalated.reference]
    response = staff_client.get(reverse("complaints:list"), {"queue": "escalated"})
    assert 'data-testid="result-count">1 complaint<' in response.content.decode()


def test_sort_choices_speak_the_readers_language_even_after_an_english_build(staff_client, staff_user):
    """The filter's field may be built (and cached) in English by an earlier request or the API
    schema; a zh-hans reader still gets Chinese sort choices, and no "(descending)" leftovers."""
    from django.utils import translation

    from complaints.filters import ComplaintFilter

    with translation.override("en"):
        ComplaintFilter.base_filters["ordering"].field  # noqa: B018 - builds and caches the field
    staff_user.preferred_language = "zh-hans"
    staff_user.save()
    page = staff_client.get(reverse("complaints:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "最新的在前" in page and "到期日（最晚的在前）" in page
    assert "descending" not in page and "降序" not in page
