"""The customer's personal link: token lifecycle, autosave and resume, one submission, opt-out."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys import tokens
from surveys.models import Invitation, Response
from surveys.views.public import BAD_TOKEN_LIMIT
from tests.factories import SegmentFactory

from .factories import committed, customers_with_contacts, full_answers, running_campaign, token_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def campaign(manager_user):
    customers_with_contacts(2, tier="key", language="zh-hans")
    return running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))


@pytest.fixture
def invitation(campaign):
    return campaign.invitations.order_by("pk").first()


def url(token, name="answer"):
    return reverse(f"surveys:{name}", args=[token])


def test_the_link_opens_the_questionnaire_in_the_recipients_language_without_an_account(client, invitation):
    response = client.get(url(token_of(invitation)))

    assert response.status_code == 200
    page = response.content.decode()
    assert "顾客满意度调查" in page and "您对我们的产品质量是否满意？" in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.OPENED and invitation.opened_at


def test_the_language_switch_shows_the_other_language(client, invitation):
    response = client.get(url(token_of(invitation)) + "?lang=en")

    assert "How satisfied are you with the quality of our products?" in response.content.decode()
    assert response["Content-Language"] == "en"


def _bad_tokens(invitation, other_campaign_invitation):
    good = token_of(invitation)
    expired = token_of(other_campaign_invitation)
    Invitation.objects.filter(pk=other_campaign_invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    return {
        "forged": tokens.token_for("not-a-real-salt"),
        "truncated": good[:-1],
        "padded": good + "A",
        "garbage": "!" * 43,
        "empty-ish": "-",
        "expired": expired,
    }


def test_every_unusable_link_gets_the_same_neutral_page_and_never_a_500(
    client, manager_user, campaign, invitation, monkeypatch
):
    monkeypatch.setattr("surveys.views.public.BAD_TOKEN_LIMIT", 1000)  # this test is not about guessing
    customers_with_contacts(1, tier="general")
    other = running_campaign(manager_user, SegmentFactory(criteria={"tier": "general"}), name="Other").invitations.get()
    used = campaign.invitations.exclude(pk=invitation.pk).get()
    client.post(url(token_of(used)), full_answers())
    bad = _bad_tokens(invitation, other)
    bad["used"] = token_of(used)

    responses = {name: client.get(url(token)) for name, token in bad.items()}
    responses.update(
        {f"{name} (save)": client.post(url(token, "answer_save"), {"q-quality": "5"}) for name, token in bad.items()}
    )
    responses.update({f"{name} (submit)": client.post(url(token), full_answers()) for name, token in bad.items()})

    bodies = {r.content for r in responses.values()}
    assert {r.status_code for r in responses.values()} == {404}
    assert len(bodies) == 1, "the pages must not tell the cases apart"
    assert b"already been answered" in bodies.pop()
    assert all(r["Referrer-Policy"] == "no-referrer" for r in responses.values())
    assert Response.objects.count() == 1


def test_a_token_of_one_campaign_does_not_open_another_campaigns_invitation(invitation):
    # Invitations are found by the hash of their own token only: there is no campaign id in the
    # link to combine with someone else's token.
    other_hash = tokens.token_hash(token_of(invitation))
    assert Invitation.objects.filter(token_hash=other_hash).count() == 1


def test_autosave_keeps_answers_so_the_same_link_resumes(invitation):
    client = Client()
    token = token_of(invitation)

    saved = client.post(
        url(token, "answer_save"), {"q-quality": "2", "q-quality-importance": "5", "q-quality_why": "划痕"}
    )

    assert saved.status_code == 200 and saved.json() == {"saved": True, "answered": 2, "total": 13}
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.STARTED
    assert invitation.draft == {"quality": 2, "quality:importance": 5, "quality_why": "划痕"}
    page = Client().get(url(token)).content.decode()  # another device, later: same link
    assert 'value="2" checked' in page and "划痕" in page


def test_autosave_and_submit_work_without_a_csrf_token_after_hours(invitation):
    client = Client(enforce_csrf_checks=True)
    token = token_of(invitation)

    assert client.post(url(token, "answer_save"), {"q-quality": "4"}).status_code == 200
    with committed():
        response = client.post(url(token), full_answers())

    assert response.status_code == 200 and b"Thank you" in response.content or "谢谢".encode() in response.content
    assert Response.objects.filter(invitation=invitation).count() == 1


def test_missing_required_answers_show_the_page_again_with_the_answers_kept(client, invitation):
    response = client.post(url(token_of(invitation)), {"q-quality": "3", "lang": "en"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "A few questions still need an answer" in page and 'value="3" checked' in page
    assert not Response.objects.exists()


def test_submitting_twice_stores_one_response_and_the_second_visit_says_it_is_answered(client, invitation):
    token = token_of(invitation)
    with committed():
        first = client.post(url(token), full_answers())
    second = client.post(url(token), full_answers())
    visit = client.get(url(token))

    assert first.status_code == 200
    assert second.status_code == 404 and visit.status_code == 404
    assert b"already been answered" in visit.content
    assert Response.objects.filter(invitation=invitation).count() == 1


def test_guessing_tokens_is_rate_limited_per_address(client, invitation):
    for n in range(BAD_TOKEN_LIMIT):
        assert client.get(url(tokens.token_for(f"guess-{n}"))).status_code == 404

    # Now even a real link from that address waits; the page says nothing more.
    response = client.get(url(token_of(invitation)))
    assert response.status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.9").get(url(token_of(invitation))).status_code == 200


def test_opt_out_link_asks_then_records_the_withdrawal(client, invitation):
    token = token_of(invitation)

    confirm = client.get(url(token, "opt_out") + "?lang=en")
    done = client.post(url(token, "opt_out"), {"lang": "en"})

    assert b"No more surveys?" in confirm.content
    assert b"You will not receive surveys from us any more" in done.content
    invitation.contact.refresh_from_db()
    assert not invitation.contact.may_be_surveyed
    assert client.get(url(tokens.token_for("x"), "opt_out")).status_code == 404


def test_used_and_expired_real_links_do_not_count_as_guesses(client, invitation):
    token = token_of(invitation)
    with committed():
        client.post(url(token), full_answers())

    for _ in range(BAD_TOKEN_LIMIT + 5):
        assert client.post(url(token), full_answers()).status_code == 404  # double clicks, retries

    other = invitation.campaign.invitations.exclude(pk=invitation.pk).get()
    assert client.get(url(token_of(other))).status_code == 200
