"""The verbatim comments page: filters by dimension, score band, customers and period, in SQL and
paginated; linked from the dashboard with the dashboard's period and scope."""

import pytest
from django.urls import reverse

from surveys.models import Answer, Question
from tests.factories import CustomerFactory, SegmentFactory
from tests.reports.factories import SurveyWorld, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march_10")]


@pytest.fixture
def commented():
    world = SurveyWorld()
    version = world.version
    why = Question.objects.create(
        version=version,
        position=20,
        code="quality_why",
        kind="text",
        text_en="What was wrong with the quality?",
        text_zh="质量方面有哪些问题？",
        required=False,
        condition_question=world.questions["quality"],
        condition_max_score=2,
    )
    general = Question.objects.create(
        version=version, position=21, code="remarks", kind="text", text_en="Anything else?", text_zh="其他意见"
    )
    world.key = CustomerFactory(tier="key", name="Key Pumps")
    # Quality 1 (index 0) and recommend 2: dissatisfied and a detractor.
    unhappy = world.respond(when=at(2026, 3, 2), customer=world.key, scores={"quality": 1}, recommend=2)
    Answer.objects.create(response=unhappy, question=why, text="泵体漏水严重")
    # Quality and delivery 5 (index 100) and recommend 10: satisfied and a promoter.
    happy = world.respond(
        when=at(2026, 3, 3),
        customer=CustomerFactory(tier="general"),
        scores={"quality": 5, "delivery": 5},
        recommend=10,
    )
    Answer.objects.create(response=happy, question=general, text="Great service")
    # Index 62.5 (quality 3 → 50 weight 2, delivery 5 → 100 weight 1: 200/3 = 66.7): neutral.
    neutral = world.respond(
        when=at(2026, 2, 3), customer=CustomerFactory(tier="general"), scores={"quality": 3, "delivery": 5}
    )
    Answer.objects.create(response=neutral, question=general, text="Delivery fine, quality so-so")
    old = world.respond(
        when=at(2025, 11, 3), customer=CustomerFactory(tier="key"), scores={"quality": 1}
    )  # last year's Q4
    Answer.objects.create(response=old, question=why, text="Old leak")
    empty = world.respond(when=at(2026, 3, 4), customer=CustomerFactory(tier="key"), scores={"quality": 4})
    Answer.objects.create(response=empty, question=general, text="")  # empty text: not a comment
    return world


def _texts(client, **params) -> list[str]:
    page = client.get(reverse("reports:comments"), params).context["page"]
    return [answer.text for answer in page]


def test_the_default_is_this_quarter_newest_first(manager_client, commented):
    assert _texts(manager_client) == ["Great service", "泵体漏水严重", "Delivery fine, quality so-so"]


def test_filter_by_dimension_through_the_rating_a_follow_up_question_belongs_to(manager_client, commented):
    assert _texts(manager_client, dimension=commented.quality.pk) == ["泵体漏水严重"]
    assert _texts(manager_client, dimension=commented.delivery.pk) == []


def test_filter_by_score_band(manager_client, commented):
    assert _texts(manager_client, band="dissatisfied") == ["泵体漏水严重"]
    assert _texts(manager_client, band="neutral") == ["Delivery fine, quality so-so"]
    assert _texts(manager_client, band="satisfied") == ["Great service"]
    assert _texts(manager_client, band="detractor") == ["泵体漏水严重"]
    assert _texts(manager_client, band="promoter") == ["Great service"]
    assert _texts(manager_client, band="passive") == []


def test_filter_by_customers_and_period(manager_client, commented):
    assert _texts(manager_client, scope="tier:key") == ["泵体漏水严重"]
    segment = SegmentFactory(name="Key", criteria={"tier": "key"})
    assert _texts(manager_client, scope=f"segment:{segment.pk}") == ["泵体漏水严重"]
    assert _texts(manager_client, since="2025-10-01", until="2025-12-31") == ["Old leak"]
    assert _texts(manager_client, q="leak", since="2025-01-01", until="2026-12-31") == ["Old leak"]


def test_a_bad_filter_is_refused_with_a_message_and_lists_the_default(manager_client, commented):
    response = manager_client.get(reverse("reports:comments"), {"since": "2026-03-10", "until": "2026-01-01"})
    assert response.status_code == 200
    assert "Since must not be after until." in response.content.decode()


def test_pages_and_a_bounded_number_of_queries(manager_client, commented, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr("reports.comments.COMMENTS_PER_PAGE", 2)
    with django_assert_max_num_queries(12):
        first = manager_client.get(reverse("reports:comments"))
    assert first.context["page"].paginator.num_pages == 2
    html = first.content.decode()
    assert "page=2" in html
    second = manager_client.get(reverse("reports:comments"), {"page": 2})
    assert [a.text for a in second.context["page"]] == ["Delivery fine, quality so-so"]


def test_the_dashboard_links_to_the_comments_with_its_period_and_scope(manager_client, commented):
    html = manager_client.get(reverse("reports:dashboard"), {"scope": "tier:key"}).content.decode()
    assert 'href="/dashboard/comments/?since=2026-01-01&amp;until=2026-03-31&amp;scope=tier%3Akey"' in html


def test_staff_without_response_access_and_anonymous_users_are_refused(client, commented):
    assert client.get(reverse("reports:comments")).status_code in (302, 403)
