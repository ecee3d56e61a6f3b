"""Managers keep the satisfaction dimensions in the product (add, rename in both languages,
reweight, retire), audited; a sent version keeps the weights it was sent with."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.models import SatisfactionDimension
from surveys import selectors, services
from surveys.models import Question
from tests.factories import SegmentFactory

from .factories import customers_with_contacts, full_answers, running_campaign, submit

pytestmark = pytest.mark.django_db


def _answers_with_quality(quality: int, others: int) -> dict:
    answers = full_answers(score=others)
    answers["q-quality"] = str(quality)
    return answers


def test_reweighting_a_dimension_leaves_a_past_campaigns_index_unchanged(manager_user):
    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))
    response = submit(campaign.invitations.get(), _answers_with_quality(quality=5, others=1))
    before = selectors.campaign_results(campaign=campaign).csi
    stored = response.csi
    quality = SatisfactionDimension.objects.get(code="quality")

    services.dimension_update(actor=manager_user, dimension=quality, data={"weight": Decimal("9.00")})

    services.answering_caches_clear()
    assert selectors.campaign_results(campaign=campaign).csi == pytest.approx(before)
    response.refresh_from_db()
    assert response.csi == stored
    question = Question.objects.get(version=campaign.questionnaire_version, code="quality")
    assert question.effective_weight() == Decimal("1.50")  # the weight in force when it was sent


def test_a_new_version_sent_after_the_change_uses_the_new_weight(manager_user):
    customers_with_contacts(1, tier="key")
    first = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))
    quality = SatisfactionDimension.objects.get(code="quality")
    services.dimension_update(actor=manager_user, dimension=quality, data={"weight": Decimal("9.00")})
    derived = services.questionnaire_version_derive(actor=manager_user, version=first.questionnaire_version)
    customers_with_contacts(1, tier="general")

    second = running_campaign(manager_user, SegmentFactory(criteria={"tier": "general"}), version=derived)
    submit(second.invitations.get(), _answers_with_quality(quality=5, others=1))

    question = Question.objects.get(version=derived, code="quality")
    assert question.frozen_weight == Decimal("9.00") and question.effective_weight() == Decimal("9.00")
    # quality 100 with weight 9 against five dimensions at 0 with weights 1.2 + 1.0 + 1.0 + 1.1 + 1.2
    expected = 9 * 100 / (9 + 1.2 + 1.0 + 1.0 + 1.1 + 1.2)
    assert selectors.campaign_results(campaign=second).csi == pytest.approx(expected)
    assert float(second.responses.get().csi) == pytest.approx(expected, abs=0.05)


def test_a_draft_version_follows_the_current_weight(manager_user):
    quality = SatisfactionDimension.objects.get(code="quality")
    draft = Question.objects.filter(version__sent_at__isnull=True, dimension=quality, weight__isnull=True).first()
    services.dimension_update(actor=manager_user, dimension=quality, data={"weight": Decimal("2.50")})

    draft = Question.objects.select_related("dimension").get(pk=draft.pk)
    assert draft.frozen_weight is None and draft.effective_weight() == Decimal("2.50")


def test_managers_add_rename_reweight_and_retire_a_dimension_through_the_pages(manager_client):
    created = manager_client.post(
        reverse("surveys:dimension_create"),
        {"code": "documentation", "name_en": "Documentation", "name_zh": "技术文件", "weight": "0.8", "position": 7},
    )
    assert created.status_code == 302
    dimension = SatisfactionDimension.objects.get(code="documentation")

    manager_client.post(
        reverse("surveys:dimension_update", args=[dimension.pk]),
        {"name_en": "Technical documents", "name_zh": "技术资料", "weight": "1.3", "position": 7},
    )
    manager_client.post(reverse("surveys:dimension_active", args=[dimension.pk]), {"active": "0"})

    dimension.refresh_from_db()
    assert (dimension.name_en, dimension.name_zh, dimension.weight) == (
        "Technical documents",
        "技术资料",
        Decimal("1.3"),
    )
    assert dimension.is_active is False
    actions = list(
        AuditEvent.objects.filter(object_id=str(dimension.pk), content_type__model="satisfactiondimension")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.TRANSITION]
    update = AuditEvent.objects.filter(object_id=str(dimension.pk), action=AuditEvent.Action.UPDATE).get()
    assert update.changes["weight"] == ["0.80", "1.30"]
    assert update.changes["name_en"] == ["Documentation", "Technical documents"]
    page = manager_client.get(reverse("surveys:dimension_list")).content.decode()
    assert "Technical documents" in page and "技术资料" in page


def test_a_retired_dimension_is_no_longer_offered_to_new_questions(manager_user):
    from surveys.forms import QuestionForm

    delivery = SatisfactionDimension.objects.get(code="delivery")
    services.dimension_active_set(actor=manager_user, dimension=delivery, active=False)
    draft = Question.objects.filter(version__sent_at__isnull=True).first().version

    assert delivery not in QuestionForm(version=draft).fields["dimension"].queryset
    with pytest.raises(ApplicationError):
        services.dimension_active_set(actor=manager_user, dimension=delivery, active=False)


@pytest.mark.parametrize("weight", ["0", "-1", "abc", "NaN"])
def test_a_bad_weight_is_refused_with_a_message_and_changes_nothing(manager_user, weight):
    price = SatisfactionDimension.objects.get(code="price")
    events = AuditEvent.objects.count()

    with pytest.raises(ApplicationError, match="positive number"):
        services.dimension_update(actor=manager_user, dimension=price, data={"weight": weight})

    assert SatisfactionDimension.objects.get(code="price").weight == Decimal("1.00")
    assert AuditEvent.objects.count() == events


def test_renaming_needs_both_languages_and_keeps_the_code(manager_user):
    price = SatisfactionDimension.objects.get(code="price")

    with pytest.raises(ApplicationError):
        services.dimension_update(actor=manager_user, dimension=price, data={"name_zh": " "})
    with pytest.raises(ApplicationError):
        services.dimension_update(actor=manager_user, dimension=price, data={"code": "cost"})
    assert SatisfactionDimension.objects.get(pk=price.pk).name_zh == "价格"


def test_staff_cannot_change_dimensions(staff_user):
    price = SatisfactionDimension.objects.get(code="price")
    with pytest.raises(ApplicationError):
        services.dimension_update(actor=staff_user, dimension=price, data={"weight": "3"})
    with pytest.raises(ApplicationError):
        services.dimension_create(actor=staff_user, data={"code": "x", "name_en": "X", "name_zh": "X", "weight": 1})


def test_the_analysis_reports_method_prints_the_weights_the_period_was_computed_with(manager_user):
    """The report's method table names the weights frozen with each version answered in the period,
    not today's default: reweighting after the fact does not rewrite the method of a past report."""
    import datetime

    from django.utils import timezone

    from reports.analysis import content
    from reports.analysis.periods import period_from_label
    from reports.figures import FigureScope

    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))
    submit(campaign.invitations.get(), _answers_with_quality(quality=5, others=1))
    quality = SatisfactionDimension.objects.get(code="quality")
    services.dimension_update(actor=manager_user, dimension=quality, data={"weight": Decimal("9.00")})

    today = timezone.localdate()
    period = period_from_label(today.strftime("%Y-%m"))[1]
    context = content.ReportContext(report=None, period=period, scope=FigureScope.everyone(), today=today)
    rows = content.method(context).tables[0].rows
    version = campaign.questionnaire_version
    label = f"{version.questionnaire.code} v{version.number}"
    assert [label, "Product quality", 1.5] in rows
    assert all(row[0] == label for row in rows) and not any(row[2] == 9.0 for row in rows)

    empty = content.ReportContext(
        report=None,
        period=period_from_label("2020-01")[1],
        scope=FigureScope.everyone(),
        today=datetime.date(2020, 2, 1),
    )
    assert ["—", "Product quality", 9.0] in content.method(empty).tables[0].rows  # no answers: today's defaults
