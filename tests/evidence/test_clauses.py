"""The clause map: present evidence with counts and links, and honest "no evidence" lines."""

import datetime

import pytest
from django.urls import reverse

from evidence.clauses import CLAUSES, EVIDENCE, GAPS, clause_map
from evidence.selectors import Scope, evidence_counts, last_quarter

pytestmark = pytest.mark.django_db


def _entry(entries, standard, number):
    (entry,) = [e for e in entries if e.clause.standard == standard and e.clause.number == number]
    return entry


def test_every_clause_names_known_evidence_and_every_standard_asked_for_is_there():
    for clause in CLAUSES:
        assert set(clause.evidence) <= set(EVIDENCE) and set(clause.gaps) <= set(GAPS)
    numbers = {(c.standard, c.number) for c in CLAUSES}
    assert {
        ("ISO 9001:2015", "9.1.2"),
        ("ISO 9001:2015", "9.1.3"),
        ("ISO 9001:2015", "8.2.1"),
        ("ISO 9001:2015", "9.3.2 c)"),
        ("ISO 9001:2015", "10.2"),
        ("ISO 9001:2015", "6.2"),
        ("ISO 9001:2008", "8.2.1"),
        ("ISO 9001:2008", "7.2.3"),
        ("ISO 9001:2008", "8.4"),
        ("ISO 9001:2008", "8.5.2"),
        ("ISO 9001:2008", "5.6.2"),
    } <= numbers
    assert {"ISO 10002:2018", "ISO 10004:2018"} <= {standard for standard, _ in numbers}


def test_last_quarter_is_the_calendar_quarter_before_today():
    assert last_quarter(datetime.date(2026, 12, 3)) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert last_quarter(datetime.date(2026, 2, 14)) == (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))


def test_an_empty_period_says_no_evidence_for_every_clause():
    scope = Scope(since=datetime.date(2020, 1, 1), until=datetime.date(2020, 3, 31))

    entries = clause_map(scope, evidence_counts(scope))

    assert {entry.status for entry in entries} == {"none"}
    survey = _entry(entries, "ISO 9001:2015", "9.1.2")
    missing = [line.missing for line in survey.lines]
    assert "No survey ran in this period." in missing
    assert "No measurement review in the last 12 months." in missing
    assert all(line.missing for entry in entries for line in entry.lines)


def test_present_evidence_is_counted_and_a_corrective_action_without_a_check_is_a_gap(world, period):
    counts = evidence_counts(period)

    assert counts["campaigns"] == 1 and counts["responses"] == 2
    assert counts["complaints_received"] == 6 and counts["complaints_closed"] == 1 and counts["complaints_rated"] == 1
    assert counts["corrective_actions"] == 2 and counts["effectiveness_checks"] == 1
    assert counts["actions_done_unchecked"] == 1
    assert counts["visits_planned"] == 2 and counts["visits_done"] == 1
    assert counts["feedback_records"] == 1
    assert counts["measurement_reviews"] == 1 and counts["management_reviews_with_satisfaction"] == 1
    assert counts["objectives"] == 0  # quality objectives are not on this branch yet (evidence.sources)
    entries = clause_map(period, counts)
    corrective = _entry(entries, "ISO 9001:2015", "10.2")
    assert corrective.gaps == ("Corrective actions done without an effectiveness check: 1.",)
    assert corrective.status == "partial"
    assert _entry(entries, "ISO 9001:2015", "9.3.2 c)").status == "evidenced"
    assert _entry(entries, "ISO 9001:2015", "6.2").status == "none"
    register_link = _entry(entries, "ISO 9001:2015", "8.2.1").lines[0].link
    assert register_link.startswith(reverse("reports:register_export", args=["complaints", "csv"]))
    assert f"since={period.since.isoformat()}" in register_link


def test_a_segment_narrows_the_counts_to_its_customers(world, period):
    world["customer"].tier = "key"
    world["customer"].save()
    scoped = Scope(since=period.since, until=period.until, segment=world["segment"])  # general customers only

    counts = evidence_counts(scoped)

    assert counts["complaints_received"] == 0 and counts["visits_planned"] == 1
    assert counts["responses"] == 2 - sum(1 for r in world["responses"] if r.customer_id == world["customer"].pk)


def test_the_counts_take_a_bounded_number_of_queries(world, period, django_assert_max_num_queries):
    scoped = Scope(since=period.since, until=period.until, segment=world["segment"])

    with django_assert_max_num_queries(12):
        evidence_counts(scoped)


def test_the_evidence_page_shows_the_clause_map_with_counts_and_missing_pieces(auditor_client, world, period):
    response = auditor_client.get(
        reverse("evidence:home"), {"since": period.since.isoformat(), "until": period.until.isoformat()}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "9.1.2" in page and "ISO 10002:2018" in page
    assert "Corrective actions done without an effectiveness check: 1." in page
    assert "No quality objective with a result for this period." in page
    assert 'data-testid="pack-form"' in page


def test_the_evidence_page_defaults_to_the_last_quarter(manager_client):
    since, until = last_quarter()

    page = manager_client.get(reverse("evidence:home")).content.decode()

    assert f'value="{since.isoformat()}"' in page and f'value="{until.isoformat()}"' in page
    assert "No survey ran in this period." in page


def test_the_page_and_its_counts_take_a_bounded_number_of_queries(manager_client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        assert manager_client.get(reverse("evidence:home")).status_code == 200
