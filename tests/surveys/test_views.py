"""Managers' pages: every route per role, auditors read-only, builder, import/export, results."""

import csv
import io
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.middleware import READ_ONLY_REFUSED_FORMS
from core.models import AuditEvent
from surveys.models import Campaign, Questionnaire, QuestionnaireVersion
from tests.factories import SegmentFactory, UserFactory

from .factories import customers_with_contacts, full_answers, general_version, running_campaign, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(manager_user):
    segment = SegmentFactory(criteria={"tier": "key"}, created_by=manager_user)
    customers_with_contacts(2, tier="key")
    campaign = running_campaign(manager_user, segment)
    from surveys import services

    services.campaign_open_link_set(actor=manager_user, campaign=campaign, enabled=True)
    first = campaign.invitations.order_by("pk").first()
    answers = full_answers(score=4)
    answers["q-comment"] = '=HYPERLINK("http://evil")'
    submit(first, answers)
    from surveys import services

    plan = services.plan_create(
        actor=manager_user,
        data={
            "name": "Plan",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "objective": "90%",
            "owner": manager_user,
        },
        segments=[segment],
    )
    version = campaign.questionnaire_version
    return {
        "campaign": campaign,
        "plan": plan,
        "version": version,
        "question": version.questions.first(),
        "segment": segment,
    }


def routes(world):
    c, v = world["campaign"].pk, world["version"]
    return {
        "surveys:campaign_list": [],
        "surveys:campaign_create": [],
        "surveys:campaign_detail": [c],
        "surveys:campaign_methodology": [c],
        "surveys:campaign_export": [c, "csv"],
        "surveys:campaign_links": [c],
        "surveys:campaign_open_link_qr": [c],
        "surveys:questionnaire_list": [],
        "surveys:questionnaire_import": [],
        "surveys:questionnaire_detail": [v.questionnaire_id],
        "surveys:version_export": [v.pk],
        "surveys:question_add": [v.pk],
        "surveys:question_update": [world["question"].pk],
        "surveys:version_update": [v.pk],
        "surveys:plan_list": [],
        "surveys:plan_create": [],
        "surveys:plan_detail": [world["plan"].pk],
        "surveys:plan_update": [world["plan"].pk],
        "surveys:response_detail": [world["campaign"].responses.get().pk],
        "surveys:dimension_list": [],
        "surveys:dimension_create": [],
        "surveys:dimension_update": [world["question"].dimension_id],
        "surveys:page_settings": [],
    }


# Personal links are credentials: only those who run campaigns see them. (Forms open for every
# reader, as elsewhere in CSM; posting them needs the write permission, tested below.)
MANAGER_ONLY_READS = {"surveys:campaign_links"}


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "admin"])
def test_each_role_reads_what_it_may_and_nothing_fails(role, world):
    client = Client()
    user = UserFactory(role=role)
    if role == "staff":  # staff read the answers about the customers they own
        _own(user, world["campaign"].responses.get())
    client.force_login(user)
    failures = []
    for name, args in routes(world).items():
        status = client.get(reverse(name, args=args)).status_code
        may = role in ("manager", "admin") or name not in MANAGER_ONLY_READS
        if name == "surveys:campaign_export":
            may = role != "staff"  # exporting answers is for those who report on them
        if role == "auditor" and name in READ_ONLY_REFUSED_FORMS:
            expected = {403}  # a form for a change: the read-only page says why
        elif name in ("surveys:question_add", "surveys:question_update", "surveys:version_update"):
            expected = {302}  # the sent version is locked: back to the questionnaire with a message
        else:
            expected = {200} if may else {403}
        if status not in expected:
            failures.append(f"{role} GET {name}: {status}")
    assert failures == []


PUBLIC_ROUTES = {
    "surveys:answer",
    "surveys:answer_save",
    "surveys:opt_out",
    "surveys:open_answer",
    "surveys:organisation_logo",
}


def test_every_survey_route_is_covered_by_these_permission_tests(world):
    from surveys.urls import urlpatterns

    names = {f"surveys:{p.name}" for p in urlpatterns}
    covered = set(routes(world)) | {f"surveys:{n}" for n in WRITE_ROUTES} | PUBLIC_ROUTES
    assert names - covered == set(), "teach test_views the new route's URL and expected access"


def test_only_the_token_routes_are_public():
    from surveys.urls import urlpatterns

    public = {f"surveys:{p.name}" for p in urlpatterns if getattr(p.callback, "csm_access", None) == "public"}
    assert public == PUBLIC_ROUTES


WRITE_ROUTES = [
    "question_update",
    "question_move",
    "version_update",
    "campaign_create",
    "campaign_send",
    "campaign_close",
    "campaign_open_link",
    "questionnaire_import",
    "version_derive",
    "question_add",
    "question_delete",
    "plan_create",
    "plan_update",
    "dimension_create",
    "dimension_update",
    "dimension_active",
    "page_settings",
]


def _write_url(name, world):
    args = {
        "campaign_send": [world["campaign"].pk],
        "campaign_close": [world["campaign"].pk],
        "campaign_open_link": [world["campaign"].pk],
        "version_derive": [world["version"].pk],
        "question_add": [world["version"].pk],
        "question_delete": [world["question"].pk],
        "question_update": [world["question"].pk],
        "question_move": [world["question"].pk],
        "version_update": [world["version"].pk],
        "plan_update": [world["plan"].pk],
        "dimension_update": [world["question"].dimension_id],
        "dimension_active": [world["question"].dimension_id],
    }.get(name, [])
    return reverse(f"surveys:{name}", args=args)


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_staff_and_auditors_cannot_write_through_any_survey_route(role, world):
    client = Client()
    client.force_login(UserFactory(role=role))
    events = AuditEvent.objects.count()
    versions = QuestionnaireVersion.objects.count()

    statuses = {name: client.post(_write_url(name, world), {"name": "x"}).status_code for name in WRITE_ROUTES}

    assert set(statuses.values()) == {403}, statuses
    assert AuditEvent.objects.count() == events and QuestionnaireVersion.objects.count() == versions
    assert Campaign.objects.get().status == Campaign.Status.RUNNING


def test_anonymous_users_are_sent_to_login(client, world):
    response = client.get(reverse("surveys:campaign_detail", args=[world["campaign"].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_results_page_shows_scores_dimensions_and_comments(manager_client, world):
    page = manager_client.get(reverse("surveys:campaign_detail", args=[world["campaign"].pk])).content.decode()

    assert 'data-testid="csi">75.0<' in page
    assert "Product quality" in page and "HYPERLINK" in page
    assert 'data-testid="completed">1<' in page


def test_methodology_is_written_from_the_configuration(auditor_client, world):
    page = auditor_client.get(reverse("surveys:campaign_methodology", args=[world["campaign"].pk])).content.decode()

    assert "at least 75" in page and "below 50" in page
    assert "Product quality" in page and "1.50" in page


def test_export_neutralises_formulas_in_csv_and_xlsx(auditor_client, world):
    campaign = world["campaign"]
    response = auditor_client.get(reverse("surveys:campaign_export", args=[campaign.pk, "csv"]) + "?codes=1")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    header, row = rows
    assert row[header.index("comment")].startswith("'=HYPERLINK")
    assert row[header.index("quality")] == "4" and row[header.index("csi")] == "75.0"

    xlsx = auditor_client.get(reverse("surveys:campaign_export", args=[campaign.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    cells = {c.value: c for c in list(sheet.iter_rows())[1]}
    comment = cells['=HYPERLINK("http://evil")']
    assert comment.data_type == "s" and comment.quotePrefix  # text, no apostrophe shown
    assert cells[4].data_type == "n"  # the quality score stays a number
    assert AuditEvent.objects.filter(action="export").count() == 2


def test_links_page_lists_personal_links_for_managers(manager_client, world):
    page = manager_client.get(reverse("surveys:campaign_links", args=[world["campaign"].pk])).content.decode()
    assert page.count("/surveys/r/") == 1  # the one not answered yet
    assert page.count('data-testid="link-card"') == 1 and "<svg" in page  # with its QR code


def test_export_and_import_round_trip_makes_a_new_version(manager_client, world):
    version = world["version"]
    exported = manager_client.get(reverse("surveys:version_export", args=[version.pk])).content

    response = manager_client.post(
        reverse("surveys:questionnaire_import"), {"file": SimpleUploadedFile("q.json", exported, "application/json")}
    )

    assert response.status_code == 302
    new = version.questionnaire.versions.get(number=2)
    assert new.sent_at is None
    assert list(new.questions.values_list("code", "kind", "text_zh")) == list(
        version.questions.values_list("code", "kind", "text_zh")
    )
    assert new.questions.get(code="quality_why").condition_question.code == "quality"


def test_a_bad_questionnaire_file_lists_its_problems_and_changes_nothing(manager_client, world):
    data = json.loads(manager_client.get(reverse("surveys:version_export", args=[world["version"].pk])).content)
    data["questions"][0]["kind"] = "slider"
    data["questions"][1]["dimension"] = "nope"
    before = QuestionnaireVersion.objects.count()

    response = manager_client.post(reverse("surveys:questionnaire_import"), {"text": json.dumps(data)})

    page = response.content.decode()
    assert response.status_code == 200 and "unknown type slider" in page
    assert QuestionnaireVersion.objects.count() == before
    assert manager_client.post(reverse("surveys:questionnaire_import"), {"text": "{not json"}).status_code == 200


def test_builder_adds_questions_to_a_draft_version_only(manager_client, world):
    draft_response = manager_client.post(reverse("surveys:version_derive", args=[world["version"].pk]))
    draft = world["version"].questionnaire.versions.get(number=2)
    assert draft_response.status_code == 302

    response = manager_client.post(
        reverse("surveys:question_add", args=[draft.pk]),
        {
            "code": "packaging",
            "kind": "rating",
            "text_en": "Packaging?",
            "text_zh": "包装？",
            "required": "on",
            "scale_max": "7",
            "dimension": "",
        },
    )

    assert response.status_code == 302
    assert draft.questions.get(code="packaging").scale_max == 7
    assert not world["version"].questions.filter(code="packaging").exists()


def test_manager_creates_a_campaign_from_a_segment_through_the_form(manager_client, world):
    customers_with_contacts(3, tier="general")
    segment = SegmentFactory(criteria={"tier": "general"})

    response = manager_client.post(
        reverse("surveys:campaign_create"),
        {
            "name": "General customers",
            "version": general_version().pk,
            "segment": segment.pk,
            "closes_at": "2099-01-01T10:00",
            "reminder_max": 2,
            "reminder_interval_days": 7,
            "satisfied_threshold": 75,
            "alert_threshold": 50,
        },
    )

    campaign = Campaign.objects.get(name="General customers")
    assert response.status_code == 302 and campaign.invitations.count() == 3 and campaign.status == "draft"


def test_the_campaign_form_refuses_both_or_neither_source(manager_client, world):
    response = manager_client.post(
        reverse("surveys:campaign_create"),
        {
            "name": "x",
            "version": general_version().pk,
            "closes_at": "2099-01-01T10:00",
            "reminder_max": 2,
            "reminder_interval_days": 7,
            "satisfied_threshold": 75,
            "alert_threshold": 50,
        },
    )
    assert (
        response.status_code == 200
        and "Choose one: a measurement plan, a segment, or an event." in response.content.decode()
    )
    assert Campaign.objects.count() == 1


def test_plan_page_shows_population_and_sample_size(manager_client, world):
    customers_with_contacts(5, tier="key")
    page = manager_client.get(reverse("surveys:plan_detail", args=[world["plan"].pk])).content.decode()
    assert 'data-testid="population">5<' in page and 'data-testid="sample-size">5<' in page


def test_templates_exist_in_the_list(auditor_client):
    page = auditor_client.get(reverse("surveys:questionnaire_list")).content.decode()
    for questionnaire in Questionnaire.objects.all():
        assert questionnaire.name in page


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [("zh-hans", "年度顾客满意度调查", "Yearly customer satisfaction survey"), ("en", "Yearly customer", "年度")],
)
def test_the_template_list_describes_each_template_in_the_readers_language(auditor_client, language, shown, not_shown):
    auditor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = auditor_client.get(reverse("surveys:questionnaire_list")).content.decode()
    assert shown in page and not_shown not in page


def test_results_and_list_queries_do_not_grow_with_the_number_of_responses(
    manager_client, world, manager_user, django_assert_max_num_queries
):
    campaign = world["campaign"]
    url = reverse("surveys:campaign_detail", args=[campaign.pk])
    manager_client.get(url)  # warm caches (content types, permissions)
    with django_assert_max_num_queries(40) as few:
        manager_client.get(url)
    customers_with_contacts(6, tier="key")
    bigger = running_campaign(manager_user, world["segment"], name="Bigger")
    for invitation in bigger.invitations.all():
        submit(invitation, full_answers(score=3))

    with django_assert_max_num_queries(len(few.captured_queries)):
        manager_client.get(reverse("surveys:campaign_detail", args=[bigger.pk]))
    with django_assert_max_num_queries(12):
        manager_client.get(reverse("surveys:campaign_list"))


def _own(user, response) -> None:
    response.customer.owner = user
    response.customer.save()


def test_response_page_shows_the_answers_of_the_version_answered(staff_client, staff_user, world):
    response = world["campaign"].responses.get()
    _own(staff_user, response)

    page = staff_client.get(reverse("surveys:response_detail", args=[response.pk])).content.decode()

    assert 'data-testid="response-csi">75.0<' in page
    assert "How satisfied are you with the quality of our products?" in page and "HYPERLINK" in page


def test_builder_edits_moves_and_retitles_a_draft_version_only(manager_client, world):
    from surveys.models import Question

    manager_client.post(reverse("surveys:version_derive", args=[world["version"].pk]))
    draft = world["version"].questionnaire.versions.get(number=2)
    price = draft.questions.get(code="price")
    sent_price = world["version"].questions.get(code="price")

    edited = manager_client.post(
        reverse("surveys:question_update", args=[price.pk]),
        {
            "code": "price",
            "kind": "rating",
            "text_en": "Value for money?",
            "text_zh": "性价比？",
            "required": "on",
            "scale_max": "10",
            "dimension": price.dimension_id,
        },
    )
    manager_client.post(reverse("surveys:question_move", args=[price.pk]), {"direction": "up"})
    retitled = manager_client.post(
        reverse("surveys:version_update", args=[draft.pk]),
        {"title_en": "Survey 2027", "title_zh": "2027 年调查", "intro_en": "", "intro_zh": ""},
    )
    locked = manager_client.post(
        reverse("surveys:question_update", args=[sent_price.pk]),
        {"code": "price", "kind": "rating", "text_en": "changed", "text_zh": "changed", "scale_max": "5"},
    )

    assert edited.status_code == 302 and retitled.status_code == 302
    price.refresh_from_db()
    assert (price.text_en, price.scale_max) == ("Value for money?", 10)
    codes = list(draft.questions.order_by("position").values_list("code", flat=True))
    assert codes.index("price") == codes.index("delivery") - 1
    draft.refresh_from_db()
    assert draft.title_zh == "2027 年调查"
    assert locked.status_code == 302
    assert Question.objects.get(pk=sent_price.pk).text_en == "How satisfied are you with our prices?"


def test_live_tracking_returns_the_figures_alone_to_htmx(auditor_client, world):
    url = reverse("surveys:campaign_detail", args=[world["campaign"].pk])

    page = auditor_client.get(url).content.decode()
    partial = auditor_client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert 'hx-trigger="every 15s"' in page
    assert 'data-testid="completed">1<' in partial and "<html" not in partial and "Dimensions" not in partial


def test_staff_read_no_answers_about_another_staff_members_customer_on_any_page(
    staff_client, other_staff_user, manager_client, world
):
    response = world["campaign"].responses.get()
    _own(other_staff_user, response)
    campaign_page = reverse("surveys:campaign_detail", args=[world["campaign"].pk])

    detail = staff_client.get(reverse("surveys:response_detail", args=[response.pk]))
    staff_campaign = staff_client.get(campaign_page).content.decode()
    drill_down = staff_client.get(reverse("reports:responses")).content.decode()
    timeline = staff_client.get(response.customer.get_absolute_url()).content.decode()

    assert detail.status_code == 404
    assert "HYPERLINK" not in staff_campaign and "HYPERLINK" in manager_client.get(campaign_page).content.decode()
    assert reverse("surveys:response_detail", args=[response.pk]) not in drill_down
    assert reverse("surveys:response_detail", args=[response.pk]) not in timeline
    assert (
        reverse("surveys:response_detail", args=[response.pk])
        in manager_client.get(response.customer.get_absolute_url()).content.decode()
    )
