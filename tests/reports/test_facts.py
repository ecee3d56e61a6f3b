"""The daily facts: filled from a watermark, idempotently, with late, edited and deleted records
counted exactly once."""

import datetime

import pytest
from django.utils import timezone

from core.audit import audit_record, snapshot
from core.models import AuditEvent
from reports.models import FillState, ResponseDailyFact, SatisfactionDailyFact
from reports.services import facts_fill, facts_rebuild
from surveys.models import Answer, Response
from tests.factories import CustomerFactory
from tests.reports.factories import SurveyWorld, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march_10")]

RESPONSE_COLUMNS = (
    "day",
    "scope",
    "tier",
    "channel",
    "responses",
    "csi_count",
    "csi_sum",
    "satisfied",
    "nps_count",
    "promoters",
    "detractors",
)


def response_facts():
    return sorted(ResponseDailyFact.objects.values_list(*RESPONSE_COLUMNS), key=str)


def dimension_facts():
    return sorted(
        SatisfactionDailyFact.objects.values_list(
            "day",
            "scope",
            "channel",
            "dimension_id",
            "answers",
            "score_sum",
            "satisfied",
            "importance_answers",
            "importance_sum",
        ),
        key=str,
    )


@pytest.fixture
def world():
    world = SurveyWorld()
    key = CustomerFactory(tier="key")
    internal = CustomerFactory(scope="internal")
    # A: quality 5 (100), delivery 3 (50), overall 4 (75), recommends 9 (promoter).
    #    CSI = (2 × 100 + 1 × 50) / 3 = 83.33 → stored 83.3; ≥ 75: satisfied.
    world.a = world.respond(
        when=at(2026, 3, 2, 10),
        customer=key,
        scores={"quality": 5, "delivery": 3, "overall": 4},
        importance={"quality": 5},
        recommend=9,
    )
    # B (internal): quality 2 (25), delivery 4 (75), recommends 5 (detractor).
    #    CSI = (2 × 25 + 75) / 3 = 41.67 → 41.7; not satisfied.
    world.b = world.respond(
        when=at(2026, 3, 2, 15), customer=internal, scores={"quality": 2, "delivery": 4}, recommend=5
    )
    # C, open link, anonymous: quality 4 (75) → CSI 75.0, satisfied, no recommendation.
    world.c = world.respond(when=at(2026, 3, 3, 9), open_link=True, scores={"quality": 4})
    # A suspected duplicate of the open link: never counted.
    world.respond(when=at(2026, 3, 3, 9), open_link=True, scores={"quality": 1}, duplicate=True)
    return world


def expected_response_facts():
    day2, day3 = datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)
    return sorted(
        [
            (day2, "external", "key", "invitation", 1, 1, 83.3, 1, 1, 1, 0),
            (day2, "internal", "general", "invitation", 1, 1, 41.7, 0, 1, 0, 1),
            (day3, "", "", "open_link", 1, 1, 75.0, 1, 0, 0, 0),
        ],
        key=str,
    )


def test_fill_aggregates_each_day_and_classification(world):
    report = facts_fill(until=timezone.now())

    assert response_facts() == expected_response_facts()
    day2 = datetime.date(2026, 3, 2)
    quality = SatisfactionDailyFact.objects.get(day=day2, scope="external", dimension=world.quality)
    # A's quality: one answer, 100, satisfied; importance 5 → 100.
    assert (quality.answers, quality.score_sum, quality.satisfied) == (1, 100.0, 1)
    assert (quality.importance_answers, quality.importance_sum) == (1, 100.0)
    overall = SatisfactionDailyFact.objects.get(day=day2, dimension__isnull=True)
    # A's overall 4 → 75, at the threshold: satisfied.
    assert (overall.answers, overall.score_sum, overall.satisfied) == (1, 75.0, 1)
    assert report.rows == ResponseDailyFact.objects.count() + SatisfactionDailyFact.objects.count()
    assert set(FillState.objects.values_list("status", flat=True)) == {FillState.Status.DONE}


def test_fill_twice_or_from_scratch_gives_the_same_rows(world):
    facts_fill(until=timezone.now())
    first = (response_facts(), dimension_facts())

    again = facts_fill(until=timezone.now())
    assert again.days == 0
    FillState.objects.update(watermark=None)
    facts_fill(until=timezone.now())
    facts_rebuild(since=datetime.date(2026, 3, 1), until=datetime.date(2026, 3, 31))

    assert (response_facts(), dimension_facts()) == first


def test_small_batches_give_the_same_rows_in_more_steps(world):
    report = facts_fill(until=timezone.now(), batch_days=1)
    assert report.steps > 2
    assert response_facts() == expected_response_facts()


def test_a_late_record_in_a_filled_day_is_counted_once(world):
    facts_fill(until=timezone.now())
    # Stored now with a submitted_at in the filled day 2 March (an import of paper questionnaires);
    # the service that stores it audits it now, as _response_store does.
    late = world.respond(when=at(2026, 3, 2, 11), customer=CustomerFactory(tier="key"), scores={"quality": 5})
    audit_record(actor=None, action=AuditEvent.Action.CREATE, instance=late, changes={"csi": [None, "100.0"]})

    facts_fill(until=timezone.now())
    facts_fill(until=timezone.now())

    key_day = ResponseDailyFact.objects.get(day=datetime.date(2026, 3, 2), scope="external", tier="key")
    # A (83.3) + the late one (quality 5 → 100.0): 2 responses, sum 183.3, both satisfied.
    assert (key_day.responses, key_day.csi_sum, key_day.satisfied) == (2, pytest.approx(183.3), 2)


def test_an_edited_record_is_counted_once_with_its_new_values(world):
    facts_fill(until=timezone.now())
    # A's quality corrected from 5 to 1: CSI = (2 × 0 + 50) / 3 = 16.7, no longer satisfied.
    Answer.objects.filter(response=world.a, question=world.questions["quality"]).update(score=1)
    Response.objects.filter(pk=world.a.pk).update(csi="16.7")
    audit_record(actor=None, action=AuditEvent.Action.UPDATE, instance=world.a, changes={"csi": ["83.3", "16.7"]})

    facts_fill(until=timezone.now())

    key_day = ResponseDailyFact.objects.get(day=datetime.date(2026, 3, 2), tier="key")
    assert (key_day.responses, key_day.csi_sum, key_day.satisfied) == (1, 16.7, 0)
    quality = SatisfactionDailyFact.objects.get(day=datetime.date(2026, 3, 2), tier="key", dimension=world.quality)
    assert (quality.answers, quality.score_sum, quality.satisfied) == (1, 0.0, 0)


def test_a_deleted_record_leaves_its_day(world):
    facts_fill(until=timezone.now())
    before = snapshot(world.c)
    Answer.objects.filter(response=world.c).delete()
    Response.objects.filter(pk=world.c.pk).delete()
    audit_record(
        actor=None,
        action=AuditEvent.Action.DELETE,
        instance=world.c,
        changes={name: [value, None] for name, value in before.items()},
    )

    facts_fill(until=timezone.now())

    assert not ResponseDailyFact.objects.filter(day=datetime.date(2026, 3, 3)).exists()
    assert not SatisfactionDailyFact.objects.filter(day=datetime.date(2026, 3, 3)).exists()


def test_records_after_the_fill_point_wait_for_the_next_run(world):
    facts_fill(until=at(2026, 3, 2, 23))
    # C (3 March, 09:00) is after the fill point: its day comes with the next run.
    assert not ResponseDailyFact.objects.filter(day=datetime.date(2026, 3, 3)).exists()

    facts_fill(until=timezone.now())
    assert response_facts() == expected_response_facts()


def test_the_default_fill_point_lags_behind_now_for_transactions_in_flight(world):
    facts_fill()
    watermark = FillState.objects.get(kind=FillState.Kind.RESPONSES).watermark
    assert timezone.now() - watermark >= datetime.timedelta(minutes=2)


def test_a_failed_fill_is_recorded_and_keeps_its_watermark(world, monkeypatch):
    from reports.services import facts

    def broken(days):
        raise RuntimeError("disk full")

    monkeypatch.setitem(facts.FACT_KINDS, FillState.Kind.RESPONSES, facts.FactKind(ResponseDailyFact, broken))
    with pytest.raises(RuntimeError):
        facts_fill(until=timezone.now())
    state = FillState.objects.get(kind=FillState.Kind.RESPONSES)
    assert state.status == FillState.Status.FAILED
    assert "disk full" in state.last_error
    assert state.watermark is None


def test_the_task_fills_and_is_on_the_one_schedule(world):
    from csm.celery import app
    from reports.tasks import facts_fill_task

    assert facts_fill_task.delay().get() > 0
    assert ResponseDailyFact.objects.exists()
    entries = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert "reports.tasks.facts_fill_task" in entries
