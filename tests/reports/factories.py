"""Survey data built row by row, so each test can compute its figures by hand, and factories for
reports' own models."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import factory
from django.utils import timezone

from customers.models import SatisfactionDimension
from reports.models import Direction, Metric, PeriodKind, QualityObjective
from surveys import answering
from surveys.models import Answer, Campaign, Invitation, Question, Questionnaire, QuestionnaireVersion, Response
from tests.factories import CustomerFactory

_sequence = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


class SurveyWorld:
    """A questionnaire with two dimensions (quality weight 2, delivery weight 1, both 1–5), an overall
    rating without a dimension and a recommendation question; one campaign (satisfied at 75)."""

    def __init__(self, *, threshold: int = 75, trigger: str = ""):
        n = next(_sequence)
        self.quality = SatisfactionDimension.objects.create(
            code=f"t-quality-{n}", name_en="Quality", name_zh="质量", weight=2, position=900
        )
        self.delivery = SatisfactionDimension.objects.create(
            code=f"t-delivery-{n}", name_en="Delivery", name_zh="交付", weight=1, position=901
        )
        questionnaire = Questionnaire.objects.create(code=f"t-survey-{n}", name="Test survey")
        self.version = QuestionnaireVersion.objects.create(
            questionnaire=questionnaire, number=1, title_en="Survey", title_zh="调查", sent_at=timezone.now()
        )
        self.questions = {
            "quality": Question.objects.create(
                version=self.version,
                position=1,
                code="quality",
                kind="rating",
                text_en="Quality",
                text_zh="质量",
                scale_max=5,
                dimension=self.quality,
                ask_importance=True,
            ),
            "delivery": Question.objects.create(
                version=self.version,
                position=2,
                code="delivery",
                kind="rating",
                text_en="Delivery",
                text_zh="交付",
                scale_max=5,
                dimension=self.delivery,
            ),
            "overall": Question.objects.create(
                version=self.version,
                position=3,
                code="overall",
                kind="rating",
                text_en="Overall",
                text_zh="总体",
                scale_max=5,
            ),
            "recommend": Question.objects.create(
                version=self.version,
                position=4,
                code="recommend",
                kind="nps",
                text_en="Recommend",
                text_zh="推荐",
                scale_max=10,
            ),
        }
        self.campaign = Campaign.objects.create(
            name=f"Campaign {n}",
            questionnaire_version=self.version,
            status=Campaign.Status.RUNNING,
            closes_at=timezone.now() + datetime.timedelta(days=365),
            satisfied_threshold=threshold,
            trigger=trigger,
        )

    def invite(self, customer=None, *, status: str = Invitation.Status.SENT, created: datetime.datetime | None = None):
        n = next(_sequence)
        invitation = Invitation.objects.create(
            campaign=self.campaign,
            customer=customer or CustomerFactory(),
            token_salt=f"salt{n}",
            token_hash=f"hash-{n}",
            expires_at=timezone.now() + datetime.timedelta(days=30),
            status=status,
        )
        if created is not None:
            Invitation.objects.filter(pk=invitation.pk).update(created_at=created)
        return invitation

    def respond(
        self,
        *,
        when: datetime.datetime,
        customer=None,
        scores: dict[str, int] | None = None,
        importance: dict[str, int] | None = None,
        recommend: int | None = None,
        open_link: bool = False,
        duplicate: bool = False,
    ) -> Response:
        """A response with its answers and its stored index computed by the campaign method."""
        scores = scores or {}
        rows = [
            Answer(question=self.questions[code], score=score, importance=(importance or {}).get(code))
            for code, score in scores.items()
        ]
        if recommend is not None:
            rows.append(Answer(question=self.questions["recommend"], score=recommend))
        csi, nps_score = answering.response_scores(list(self.questions.values()), rows)
        fields = {"is_open": True, "suspected_duplicate": duplicate} if open_link else {}
        if not open_link:
            invitation = self.invite(customer, status=Invitation.Status.COMPLETED)
            fields = {"invitation": invitation, "customer": invitation.customer}
        response = Response.objects.create(
            campaign=self.campaign,
            questionnaire_version=self.version,
            language="en",
            csi=csi,
            nps_score=nps_score,
            **fields,
        )
        for row in rows:
            row.response = response
        Answer.objects.bulk_create(rows)
        Response.objects.filter(pk=response.pk).update(submitted_at=when)
        response.submitted_at = when
        return response


class QualityObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualityObjective

    name_en = factory.Sequence(lambda n: f"Objective {n}")
    name_zh = factory.Sequence(lambda n: f"质量目标 {n}")
    metric = Metric.SATISFACTION_RATE
    target = Decimal("90")
    direction = Direction.AT_LEAST
    period_kind = PeriodKind.MONTH
