"""Feedback records from the other sources of customer perception, and competitor / benchmark scores."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Source(models.TextChoices):
    WARRANTY_CLAIM = "warranty_claim", _("Warranty claim")
    DEALER_REPORT = "dealer_report", _("Dealer report")
    DELIVERED_QUALITY = "delivered_quality", _("Delivered-quality data")
    COMPLIMENT = "compliment", _("Compliment")
    SALES = "sales", _("Internal feedback from sales")
    AFTER_SALES = "after_sales", _("Internal feedback from after-sales")
    MARKET_RESEARCH = "market_research", _("Market research")
    OTHER = "other", _("Other")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


# What a person enters; form, service and tests use this one list.
FEEDBACK_EDITABLE_FIELDS = (
    "source",
    "received_on",
    "customer",
    "sentiment",
    "dimension",
    "summary",
    "details",
    "reference",
    "amount",
)


class FeedbackRecord(TimeStampedModel):
    """One piece of perception data that did not come through a survey, a complaint or a visit."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    received_on = models.DateField(_("received on"))
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="feedback_records",
        null=True,
        blank=True,
    )
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices)
    dimension = models.ForeignKey(
        "customers.SatisfactionDimension",
        verbose_name=_("dimension"),
        on_delete=models.PROTECT,
        related_name="feedback_records",
        null=True,
        blank=True,
    )
    summary = models.CharField(_("summary"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Claim, report or lot number in the source system.")
    )
    amount = models.DecimalField(
        _("amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("For warranty claims: the amount claimed, in yuan."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("feedback record")
        verbose_name_plural = _("feedback records")
        ordering = ["-received_on", "-pk"]
        permissions = [("change_any_feedbackrecord", _("Can change feedback recorded by anyone"))]
        indexes = [models.Index(fields=["received_on", "source"], name="feedback_received_source")]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.summary}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:update", args=[self.pk])


BENCHMARK_EDITABLE_FIELDS = ("competitor", "is_benchmark", "period_end", "dimension", "score", "source")


class BenchmarkScore(TimeStampedModel):
    """A competitor's or a benchmark's satisfaction score (竞争对手和标杆), entered from market research,
    on the same 0–100 scale as our own dimension means and index."""

    competitor = models.CharField(_("competitor or benchmark"), max_length=120)
    is_benchmark = models.BooleanField(
        _("benchmark"), default=False, help_text=_("A best-in-class reference (标杆) rather than a direct competitor.")
    )
    period_end = models.DateField(_("measured up to"))
    dimension = models.ForeignKey(
        "customers.SatisfactionDimension",
        verbose_name=_("dimension"),
        on_delete=models.PROTECT,
        related_name="benchmark_scores",
        null=True,
        blank=True,
        help_text=_("Empty: the overall satisfaction index."),
    )
    score = models.DecimalField(
        _("score (0–100)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    source = models.CharField(_("source"), max_length=200, help_text=_("The study or report the score comes from."))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("competitor or benchmark score")
        verbose_name_plural = _("competitor and benchmark scores")
        ordering = ["-period_end", "competitor"]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=100), name="benchmark_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.competitor} {self.score}"
