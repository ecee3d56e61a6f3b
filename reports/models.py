"""Reports' own data: daily survey facts filled from a watermark, and quality objectives (质量目标).

Facts are derived data: a periodic task recomputes whole days from the survey tables
(reports.services.facts), so they can always be rebuilt; nothing else writes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.i18n import localised
from core.models import TimeStampedModel
from customers.models import ChainPosition, Lifecycle, Region, Scope, Tier


class SurveyChannel(models.TextChoices):
    """How a response reached us (the survey's channel in the facts)."""

    INVITATION = "invitation", _("Personal survey link")
    OPEN_LINK = "open_link", _("Open survey link")
    VISIT_DONE = "visit_done", _("Survey after a follow-up visit")
    COMPLAINT_CLOSED = "complaint_closed", _("Survey after a closed complaint")


# The classification columns every fact carries: the customer's classification when the day was
# filled ("" for an anonymous open-link response). They are the scopes the figures filter on.
CLASSIFICATION_FIELDS = ("scope", "chain_position", "lifecycle", "tier", "region")
FACT_KEY_FIELDS = ("day", *CLASSIFICATION_FIELDS, "channel")


class DailyFact(models.Model):
    day = models.DateField(_("day"))
    scope = models.CharField(_("internal/external"), max_length=10, choices=Scope.choices, blank=True)
    chain_position = models.CharField(_("intermediate/end"), max_length=12, choices=ChainPosition.choices, blank=True)
    lifecycle = models.CharField(_("lifecycle"), max_length=10, choices=Lifecycle.choices, blank=True)
    tier = models.CharField(_("key/general"), max_length=10, choices=Tier.choices, blank=True)
    region = models.CharField(_("region"), max_length=12, choices=Region.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=SurveyChannel.choices)

    class Meta:
        abstract = True
        # Derived rows: no add/change/delete permission exists to grant.
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {'/'.join(getattr(self, name) or '-' for name in CLASSIFICATION_FIELDS)}"


class ResponseDailyFact(DailyFact):
    """Per day and classification: responses and their stored index (CSI) and recommendation (NPS).
    Suspected duplicates of the open link are left out, as on the campaign results page."""

    responses = models.PositiveIntegerField(_("responses"), default=0)
    csi_count = models.PositiveIntegerField(_("responses with an index"), default=0)
    csi_sum = models.FloatField(_("sum of indices"), default=0)
    satisfied = models.PositiveIntegerField(
        _("satisfied responses"), default=0, help_text=_("Index at or above the campaign's threshold.")
    )
    nps_count = models.PositiveIntegerField(_("recommendation answers"), default=0)
    promoters = models.PositiveIntegerField(_("promoters"), default=0)
    detractors = models.PositiveIntegerField(_("detractors"), default=0)

    class Meta(DailyFact.Meta):
        verbose_name = _("daily response figures")
        verbose_name_plural = _("daily response figures")
        # The unique index leads with the day: every selector filters a day range first; a day
        # holds a few dozen rows (classification combinations), so the other filters are cheap.
        constraints = [models.UniqueConstraint(fields=list(FACT_KEY_FIELDS), name="response_fact_unique_key")]
        permissions = [("view_figures", _("Can view satisfaction figures"))]


class SatisfactionDailyFact(DailyFact):
    """Per day, dimension and classification: rating answers on the 0–100 scale (surveys.scoring).
    `dimension` empty: rating questions tied to no dimension (e.g. "overall, how satisfied...")."""

    dimension = models.ForeignKey(
        "customers.SatisfactionDimension",
        verbose_name=_("dimension"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    answers = models.PositiveIntegerField(_("answers"), default=0)
    score_sum = models.FloatField(_("sum of normalised scores"), default=0)
    satisfied = models.PositiveIntegerField(
        _("satisfied answers"), default=0, help_text=_("Normalised score at or above the campaign's threshold.")
    )
    importance_answers = models.PositiveIntegerField(_("importance answers"), default=0)
    importance_sum = models.FloatField(_("sum of normalised importance"), default=0)

    class Meta(DailyFact.Meta):
        verbose_name = _("daily dimension figures")
        verbose_name_plural = _("daily dimension figures")
        constraints = [
            models.UniqueConstraint(
                fields=[*FACT_KEY_FIELDS, "dimension"],
                condition=Q(dimension__isnull=False),
                name="satisfaction_fact_unique_key",
            ),
            models.UniqueConstraint(
                fields=list(FACT_KEY_FIELDS),
                condition=Q(dimension__isnull=True),
                name="satisfaction_fact_unique_key_overall",
            ),
        ]


class LoyaltyDailyFact(DailyFact):
    """Per day, classification and loyalty aspect: answers to the loyalty questions (repurchase,
    recommending, staying against a competitor's offer; surveys.models.LoyaltyAspect) on the 0–100
    scale. `aspect` empty: every loyalty answer of the group, with the number of responses that gave
    one (a response answering two aspects counts once there)."""

    aspect = models.CharField(_("loyalty aspect"), max_length=12, blank=True)
    responses = models.PositiveIntegerField(_("responses"), default=0)
    answers = models.PositiveIntegerField(_("answers"), default=0)
    score_sum = models.FloatField(_("sum of normalised scores"), default=0)

    class Meta(DailyFact.Meta):
        verbose_name = _("daily loyalty figures")
        verbose_name_plural = _("daily loyalty figures")
        constraints = [
            models.UniqueConstraint(fields=[*FACT_KEY_FIELDS, "aspect"], name="loyalty_fact_unique_key"),
        ]


class FillState(models.Model):
    """How far a kind of fact is filled (after Zulip's analytics FillState): every change to the
    source up to `watermark` is in the facts. The fill moves it on in steps, one transaction each."""

    class Kind(models.TextChoices):
        RESPONSES = "responses", _("Daily response figures")
        DIMENSIONS = "dimensions", _("Daily dimension figures")
        LOYALTY = "loyalty", _("Daily loyalty figures")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Up to date")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, unique=True)
    watermark = models.DateTimeField(_("filled up to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DONE)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("fill state")
        verbose_name_plural = _("fill states")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.kind} @ {self.watermark}"


# -- quality objectives (质量目标) ---------------------------------------------------------------------


class Metric(models.TextChoices):
    """The catalogue of figures an objective can measure (reports.figures computes each)."""

    CSI = "csi", _("Customer satisfaction index (CSI)")
    SATISFACTION_RATE = "satisfaction_rate", _("Satisfaction rate")
    NPS = "nps", _("Net Promoter Score (NPS)")
    RESPONSE_RATE = "response_rate", _("Survey response rate")
    COMPLAINT_HANDLING_RATE = "complaint_handling_rate", _("Complaint handling rate")
    ON_TIME_RESOLUTION_RATE = "on_time_resolution_rate", _("On-time resolution rate")
    MEDIAN_HOURS_TO_RESOLVE = "median_hours_to_resolve", _("Median time to resolve (hours)")
    VISIT_COVERAGE = "visit_coverage", _("Follow-up visit coverage")
    CORRECTIVE_ACTIONS_OVERDUE = "corrective_actions_overdue", _("Corrective actions overdue")
    ACTION_EFFECTIVENESS_RATE = "action_effectiveness_rate", _("Corrective action effectiveness rate")
    LOST_CUSTOMERS = "lost_customers", _("Lost customers")
    WIN_BACKS = "win_backs", _("Win-backs")
    EMPLOYEE_SATISFACTION_RATE = "employee_satisfaction_rate", _("Employee satisfaction rate")
    LOYALTY_INDEX = "loyalty_index", _("Customer loyalty index")
    MANUAL = "manual", _("Entered by hand (e.g. product pass rate, contract fulfilment rate)")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("At least")
    AT_MOST = "at_most", _("At most")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class ScopeField(models.TextChoices):
    """Which customer classification an objective (or a figure) is limited to; empty = all."""

    ALL = "", _("All customers")
    SCOPE = "scope", _("Internal/external")
    CHAIN_POSITION = "chain_position", _("Intermediate/end")
    LIFECYCLE = "lifecycle", _("Lifecycle")
    TIER = "tier", _("Key/general")
    REGION = "region", _("Region")


class QualityObjective(TimeStampedModel):
    """A measurable quality objective (ISO 9001 6.2): metric, target, direction, period and scope."""

    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=150, blank=True)
    metric = models.CharField(_("metric"), max_length=32, choices=Metric.choices)
    target = models.DecimalField(_("target"), max_digits=9, decimal_places=2)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.AT_LEAST)
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    scope_field = models.CharField(_("limited to"), max_length=16, choices=ScopeField.choices, blank=True)
    scope_value = models.CharField(_("classification value"), max_length=16, blank=True)
    segment = models.ForeignKey(
        "customers.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quality_objectives",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quality_objectives",
    )
    is_active = models.BooleanField(_("active"), default=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("quality objective")
        verbose_name_plural = _("quality objectives")
        ordering = ["-is_active", "name_en", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope_field="") & Q(scope_value="")) | (~Q(scope_field="") & ~Q(scope_value="")),
                name="objective_scope_field_has_value",
            ),
            models.CheckConstraint(
                condition=Q(segment__isnull=True) | Q(scope_field=""),
                name="objective_segment_or_classification",
            ),
            models.CheckConstraint(condition=~Q(name_en="") | ~Q(name_zh=""), name="objective_has_a_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self.name_en, self.name_zh)

    @property
    def is_manual(self) -> bool:
        return self.metric == Metric.MANUAL

    def get_absolute_url(self) -> str:
        return reverse("api:qualityobjective-detail", args=[self.pk])


class ObjectiveStatus(models.TextChoices):
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    AT_RISK = "at_risk", _("At risk")
    NO_DATA = "no_data", _("No data")


class ObjectiveResult(models.Model):
    """The actual value of an objective for one period, computed (or entered by hand), with its status.
    One per objective and period: recomputing an open period updates this row."""

    objective = models.ForeignKey(QualityObjective, on_delete=models.CASCADE, related_name="results")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    actual = models.DecimalField(_("actual"), max_digits=9, decimal_places=2, null=True, blank=True)
    n = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ObjectiveStatus.choices)
    source = models.TextField(_("source"), blank=True, help_text=_("Where a value entered by hand comes from."))
    is_manual = models.BooleanField(_("entered by hand"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("objective result")
        verbose_name_plural = _("objective results")
        ordering = ["objective", "-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "period_start"], name="objective_result_once_per_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="objective_result_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.objective} {self.period_start:%Y-%m-%d}: {self.status}"


# -- the analysis report (顾客满意度分析报告) and its schedules ----------------------------------------


class ReportLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class AnalysisReport(TimeStampedModel):
    """One generated version of the analysis report for a period, scope and language: its files (PDF
    and XLSX under PRIVATE_MEDIA_ROOT), its build progress and the manager's conclusions and actions.
    Regenerating makes the next version and carries the latest conclusions into it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Generation failed")

    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    period_label = models.CharField(_("period"), max_length=10)
    segment = models.ForeignKey(
        "customers.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="analysis_reports",
    )
    # "" for all customers, else the segment's id: the unique key (a NULL would never collide).
    scope_key = models.CharField(_("scope key"), max_length=20, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=10, choices=ReportLanguage.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    pdf_path = models.CharField(_("PDF file"), max_length=255, blank=True)
    xlsx_path = models.CharField(_("XLSX file"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    conclusions = models.TextField(_("conclusions and actions"), blank=True)
    schedule = models.ForeignKey(
        "reports.ReportSchedule",
        verbose_name=_("report schedule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("analysis report")
        verbose_name_plural = _("analysis reports")
        ordering = ["-period_start", "-version", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "scope_key", "language", "version"],
                name="analysis_report_version_once",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="analysis_report_progress_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.period_label} v{self.version} ({self.language})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ReportSchedule(TimeStampedModel):
    """Generate the analysis report of every finished period (monthly by default) and e-mail it."""

    name = models.CharField(_("name"), max_length=120)
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    segment = models.ForeignKey(
        "customers.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_schedules",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=ReportLanguage.choices, default=ReportLanguage.ZH_HANS
    )
    recipients = models.TextField(_("recipients"), blank=True, help_text=_("E-mail addresses, separated by commas."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def recipient_list(self) -> list[str]:
        return [address.strip() for address in self.recipients.replace(";", ",").split(",") if address.strip()]


class ScheduledReport(models.Model):
    """A schedule's report of one period: at most one, however often beat fires (the unique key)."""

    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateField(_("period start"))
    report = models.OneToOneField(AnalysisReport, on_delete=models.CASCADE, related_name="scheduled_run")

    class Meta:
        verbose_name = _("scheduled report")
        verbose_name_plural = _("scheduled reports")
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["schedule", "period_start"], name="scheduled_report_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.schedule} {self.period_start}"
