"""The customer's survey page: numbers follow the questions shown, the organisation asking and the
privacy notice (set by the administrator, logo checked), few queries; staff read comments by question."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.exceptions import ApplicationError
from core.models import AuditEvent
from surveys import selectors, services
from surveys.models import SurveyPageSettings
from tests.factories import SegmentFactory

from .factories import customers_with_contacts, full_answers, running_campaign, submit, token_of

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 2), "#1b2733").save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()
SAFE_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#1b2733"/></svg>'
)


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    selectors.page_settings_forget()
    yield
    selectors.page_settings_forget()


@pytest.fixture
def invitation(manager_user):
    customers_with_contacts(1, tier="key", language="en")
    campaign = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))
    return campaign.invitations.get()


def _numbers(page: str) -> list[tuple[str, str]]:
    """(question code, number shown) of each question, in page order."""
    return re.findall(r'id="question-([\w-]+)".*?<span class="survey-number">(\d*)</span>', page, flags=re.S)


def test_question_numbers_follow_the_questions_shown(client, invitation):
    page = client.get(reverse("surveys:answer", args=[token_of(invitation)])).content.decode()

    numbers = _numbers(page)
    assert numbers[:3] == [("quality", "1"), ("quality_why", ""), ("delivery", "2")]  # the hidden one takes none
    shown = [number for _code, number in numbers if number]
    assert shown == [str(n) for n in range(1, len(shown) + 1)]


def test_a_low_score_shows_the_why_question_with_its_number(client, invitation):
    services.invitation_autosave(
        invitation=invitation,
        questions=services.version_questions(invitation.campaign.questionnaire_version),
        data=_query({"q-quality": "1"}),
    )
    page = client.get(reverse("surveys:answer", args=[token_of(invitation)])).content.decode()

    assert _numbers(page)[:3] == [("quality", "1"), ("quality_why", "2"), ("delivery", "3")]


def _query(data):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, [value])
    return query


def test_a_refused_submission_marks_the_missing_questions_for_the_script_to_clear(client, invitation):
    page = client.post(reverse("surveys:answer", args=[token_of(invitation)]), {"q-quality": "4", "lang": "en"})

    html = page.content.decode()
    assert page.status_code == 400
    assert re.search(r'class="survey-question has-error" id="question-delivery"', html)
    assert 'id="error-delivery"' in html and "data-error-summary" in html
    assert not re.search(r'class="survey-question has-error" id="question-quality"', html)


def test_the_page_names_the_organisation_and_shows_its_logo_and_privacy_notice(client, invitation, admin_user_role):
    services.survey_page_settings_update(
        actor=admin_user_role,
        data={
            "organisation_name_en": "Jinggong Machinery",
            "organisation_name_zh": "精工机械",
            "privacy_notice_en": "",
        },
        logo=PNG,
    )
    url = reverse("surveys:answer", args=[token_of(invitation)])

    english = client.get(url + "?lang=en").content.decode()
    chinese = client.get(url + "?lang=zh-hans").content.decode()

    assert "Jinggong Machinery" in english and "精工机械" in chinese
    logo_url = re.search(r'<img class="survey-org-logo" src="([^"]+)"', english).group(1)
    logo = client.get(logo_url)
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png" and logo.content == PNG
    assert "default-src 'none'" in logo["Content-Security-Policy"] and logo["X-Content-Type-Options"] == "nosniff"
    assert 'data-testid="privacy-notice"' in english
    assert "Jinggong Machinery uses your answers only to improve its products and services" in english


def test_a_configured_privacy_notice_replaces_the_standard_one(client, invitation, admin_user_role):
    services.survey_page_settings_update(
        actor=admin_user_role,
        data={"privacy_notice_en": "Answers are kept for two years.", "privacy_notice_zh": "答卷保存两年。"},
    )
    url = reverse("surveys:answer", args=[token_of(invitation)])

    assert "Answers are kept for two years." in client.get(url + "?lang=en").content.decode()
    assert "答卷保存两年。" in client.get(url + "?lang=zh-hans").content.decode()


def test_without_settings_the_page_shows_the_standard_notice_and_no_logo(client, invitation):
    page = client.get(reverse("surveys:answer", args=[token_of(invitation)]) + "?lang=en").content.decode()

    assert "We use your answers only to improve our products and services" in page
    assert "survey-org-logo" not in page


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><use x:href="http://evil/a.svg#x"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>hi</p></foreignObject></svg>',
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        b"GIF89a....",
        b"\x89PNG\r\n\x1a\nnot really a png",
        b"<html><script>alert(1)</script></html>",
    ],
)
def test_a_logo_that_is_not_a_safe_png_jpeg_or_svg_is_refused_and_nothing_changes(admin_user_role, content):
    services.survey_page_settings_update(actor=admin_user_role, data={"organisation_name_en": "Before"})
    events = AuditEvent.objects.count()

    with pytest.raises(ApplicationError):
        services.survey_page_settings_update(
            actor=admin_user_role, data={"organisation_name_en": "After"}, logo=content
        )

    page = SurveyPageSettings.current()
    assert page.organisation_name_en == "Before" and not page.has_logo
    assert AuditEvent.objects.count() == events


def test_a_plain_svg_logo_is_accepted_and_the_change_is_audited(admin_user_role):
    page = services.survey_page_settings_update(
        actor=admin_user_role, data={"organisation_name_en": "Jinggong"}, logo=SAFE_SVG
    )

    assert page.logo_content_type == "image/svg+xml"
    event = AuditEvent.objects.filter(content_type__model="surveypagesettings").latest("pk")
    assert event.changes["organisation_name_en"] == ["", "Jinggong"]
    assert event.changes["logo"][1].startswith("image/svg+xml")


def test_the_settings_page_uploads_a_logo_and_shows_a_refusal_on_the_form(manager_client):
    url = reverse("surveys:page_settings")
    refused = manager_client.post(
        url,
        {"organisation_name_en": "Jinggong", "logo_file": SimpleUploadedFile("logo.svg", b"<svg><script/></svg>")},
    )
    assert refused.status_code == 200 and "cannot be used as a logo" in refused.content.decode()
    assert SurveyPageSettings.current().organisation_name_en == ""

    saved = manager_client.post(
        url,
        {
            "organisation_name_en": "Jinggong",
            "organisation_name_zh": "精工",
            "logo_file": SimpleUploadedFile("logo.png", PNG, content_type="image/png"),
        },
    )
    assert saved.status_code == 302
    page = SurveyPageSettings.current()
    assert page.organisation_name_zh == "精工" and bytes(page.logo) == PNG


def test_staff_cannot_change_the_survey_page_settings(staff_user):
    with pytest.raises(ApplicationError):
        services.survey_page_settings_update(actor=staff_user, data={"organisation_name_en": "X"})


def test_an_old_logo_address_answers_404(client, admin_user_role):
    services.survey_page_settings_update(actor=admin_user_role, data={}, logo=PNG)

    assert client.get(reverse("surveys:organisation_logo", args=["12345"])).status_code == 404


def test_the_page_opened_again_costs_one_query(invitation, django_assert_max_num_queries):
    url = reverse("surveys:answer", args=[token_of(invitation)])
    client = Client()
    client.get(url)  # opens the link (one UPDATE) and fills the per-process caches

    with django_assert_max_num_queries(1):  # the invitation by its token; opened already: no UPDATE
        assert client.get(url).status_code == 200


def test_comments_are_labelled_by_question_text_on_the_results(manager_client, invitation):
    answers = full_answers()
    answers["q-comment"] = "交货准时"
    submit(invitation, answers)

    page = manager_client.get(reverse("surveys:campaign_detail", args=[invitation.campaign_id])).content.decode()

    comment = re.search(r"“<span translate=\"no\">交货准时</span>”.*?</blockquote>", page, flags=re.S).group(0)
    assert comment.endswith("· Anything else you would like to tell us?</span></blockquote>")


def test_a_response_shows_choice_answers_in_words(manager_client, invitation):
    answers = full_answers()
    answers["q-channel"] = "wechat"
    response = submit(invitation, answers)

    page = manager_client.get(reverse("surveys:response_detail", args=[response.pk])).content.decode()

    assert "<td>WeChat</td>" in page and "<td>wechat</td>" not in page
