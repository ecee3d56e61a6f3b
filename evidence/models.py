"""Evidence for auditors: the review records of the measurement process itself, the management reviews
that took the satisfaction input, and the evidence packs built for a period (ISO 9001:2015 9.1.2,
9.1.3, 9.3.2 c))."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

# What a person enters; forms, services and tests use these lists.
MEASUREMENT_REVIEW_EDITABLE_FIELDS = (
    "reviewed_on",
    "reviewed_by",
    "scope",
    "methods_reviewed",
    "sources_reviewed",
    "frequency_reviewed",
    "calculation_reviewed",
    "conclusion",
    "actions",
    "next_review_due",
)
MANAGEMENT_REVIEW_EDITABLE_FIELDS = (
    "held_on",
    "chair",
    "participants",
    "satisfaction_input_taken",
    "satisfaction_input",
    "decisions",
)


class MeasurementReview(TimeStampedModel):
    """A review of how customer satisfaction is measured (检查与审核): methods, sources, frequency and
    calculation, with its conclusion and the actions decided."""

    reviewed_on = models.DateField(_("reviewed on"), db_index=True)
    reviewed_by = models.CharField(_("reviewed by"), max_length=200, help_text=_("Names of the reviewers."))
    scope = models.TextField(_("what was reviewed"))
    methods_reviewed = models.BooleanField(_("methods reviewed"), default=True)
    sources_reviewed = models.BooleanField(_("information sources reviewed"), default=True)
    frequency_reviewed = models.BooleanField(_("frequency reviewed"), default=True)
    calculation_reviewed = models.BooleanField(_("calculation method reviewed"), default=True)
    conclusion = models.TextField(_("conclusion"))
    actions = models.TextField(_("actions decided"), blank=True)
    next_review_due = models.DateField(_("next review due"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("measurement review")
        verbose_name_plural = _("measurement reviews")
        ordering = ["-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"{_('Measurement review')} {self.reviewed_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("evidence:measurement_review_update", args=[self.pk])


class ManagementReview(TimeStampedModel):
    """A management review (管理评审) and whether it took customer satisfaction as an input."""

    held_on = models.DateField(_("held on"), db_index=True)
    chair = models.CharField(_("chaired by"), max_length=200)
    participants = models.TextField(_("participants"))
    satisfaction_input_taken = models.BooleanField(_("customer satisfaction taken as an input"), default=True)
    satisfaction_input = models.TextField(
        _("satisfaction input"), blank=True, help_text=_("Which report or figures, of which period.")
    )
    decisions = models.TextField(_("decisions and actions"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{_('Management review')} {self.held_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("evidence:management_review_update", args=[self.pk])


class EvidencePack(TimeStampedModel):
    """One ZIP of evidence for a period, built by a task; the file lives in private storage."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when built from the command line."),
    )
    parameters = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    step = models.CharField(_("current step"), max_length=200, blank=True)
    file_path = models.CharField(
        _("file"), max_length=255, blank=True, help_text=_("Relative to the private media folder.")
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evidence pack")
        verbose_name_plural = _("evidence packs")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(progress__lte=100), name="evidence_pack_progress")]

    def __str__(self) -> str:
        return f"{_('Evidence pack')} #{self.pk} {self.parameters.get('since', '')}–{self.parameters.get('until', '')}"

    def get_absolute_url(self) -> str:
        return reverse("evidence:pack_detail", args=[self.pk])

    @property
    def file_name(self) -> str:
        return f"evidence-{self.parameters.get('since', '')}-{self.parameters.get('until', '')}-{self.pk}.zip"


class ChainVerification(TimeStampedModel):
    """One verification of the audit trail's hash chain (core.audit_chain), run by a task so the page
    never recomputes millions of links inside a request; the page shows the last result and its time."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Verifying")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    ok = models.BooleanField(_("chain intact"), null=True, blank=True)
    sealed = models.PositiveBigIntegerField(_("entries sealed"), default=0)
    unsealed = models.PositiveBigIntegerField(_("entries awaiting the next seal"), default=0)
    head_position = models.PositiveBigIntegerField(_("head position"), null=True, blank=True)
    head_hash = models.CharField(_("head hash"), max_length=64, blank=True)
    head_sealed_at = models.DateTimeField(_("head sealed at"), null=True, blank=True)
    broken_entry_id = models.BigIntegerField(_("first broken entry"), null=True, blank=True)
    broken_position = models.PositiveBigIntegerField(_("position of the break"), null=True, blank=True)
    kind = models.CharField(_("kind of break"), max_length=20, blank=True)
    # How far it got: the last link found intact (a pack walks on from there instead of from the start).
    verified_position = models.PositiveBigIntegerField(_("verified up to position"), null=True, blank=True)
    verified_event_id = models.BigIntegerField(_("verified up to entry"), null=True, blank=True)
    verified_hash = models.CharField(_("link hash verified last"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain verification")
        verbose_name_plural = _("audit chain verifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="chain_verification_progress")
        ]

    def __str__(self) -> str:
        return f"{_('Audit chain verification')} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def kind_label(self) -> str:
        from core.audit_chain import BreakKind

        return str(BreakKind(self.kind).label) if self.kind in BreakKind.values else self.kind
