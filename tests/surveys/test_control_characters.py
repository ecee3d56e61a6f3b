"""A NUL or another control character in a public answer is dropped, never a lost submission
(PostgreSQL refuses NUL in text; the tests' SQLite accepts it, so the stored values are checked)."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from core.text import control_characters_strip
from surveys import links, services
from surveys.models import Answer, Invitation, Response
from tests.factories import SegmentFactory

from .factories import committed, customers_with_contacts, full_answers, running_campaign, token_of

pytestmark = pytest.mark.django_db

HOSTILE = "划\x00痕\x07 on the\x1b housing\x7f\tline\r\nnext"
CLEANED = "划痕 on the housing\tline\r\nnext"


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def campaign(manager_user):
    customers_with_contacts(1, tier="key")
    return running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))


def _stored_text(response: Response) -> str:
    return Answer.objects.get(response=response, question__code="quality_why").text


def test_control_characters_are_dropped_and_tab_and_line_breaks_kept():
    assert control_characters_strip(HOSTILE) == CLEANED
    assert control_characters_strip("".join(chr(c) for c in range(32))) == "\t\n\r"


def test_a_nul_in_a_personal_link_answer_is_dropped_and_the_response_stored(campaign):
    invitation = campaign.invitations.get()
    with committed():
        page = Client().post(
            reverse("surveys:answer", args=[token_of(invitation)]),
            {**full_answers(score=2), "q-quality_why": HOSTILE, "lang": "en"},
        )

    assert page.status_code == 200
    response = Response.objects.get(invitation=invitation)
    assert _stored_text(response) == CLEANED


def test_a_nul_in_an_autosave_is_dropped_and_the_draft_kept(campaign):
    invitation = campaign.invitations.get()

    saved = Client().post(
        reverse("surveys:answer_save", args=[token_of(invitation)]),
        {"q-quality": "2\x00", "q-quality_why": HOSTILE, "q-recommend": "\x009"},
    )

    assert saved.status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.STARTED
    assert invitation.draft == {"quality": 2, "quality_why": CLEANED, "recommend": 9}


def test_a_nul_in_an_open_link_answer_is_dropped_and_the_response_stored(campaign, manager_user):
    services.campaign_open_link_set(actor=manager_user, campaign=campaign, enabled=True)
    with committed():
        page = Client().post(
            reverse("surveys:open_answer", args=[links.campaign_open_token(campaign)]),
            {**full_answers(score=2), "q-quality_why": HOSTILE, "lang": "en"},
        )

    assert page.status_code == 200
    response = Response.objects.get(campaign=campaign, is_open=True)
    assert _stored_text(response) == CLEANED


def test_an_answer_of_nothing_but_control_characters_counts_as_unanswered(campaign):
    invitation = campaign.invitations.get()

    Client().post(reverse("surveys:answer_save", args=[token_of(invitation)]), {"q-quality_why": "\x00\x01"})

    invitation.refresh_from_db()
    assert "quality_why" not in (invitation.draft or {})
