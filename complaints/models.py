"""Complaints, compliments and suggestions (ISO 10002 receipt and recording)."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.i18n import bilingual
from core.models import TimeStampedModel
from customers.models import Tier
from visits.models import Severity  # one scale for visit issues and complaints; defined left, in visits

from .choices import (  # noqa: F401 - the vocabularies, read from here by the rest of the house
    ACKNOWLEDGED_STATES,
    FINAL_STATES,
    OPEN_STATES,
    QUEUE_ROLES,
    WORKER_ROLES,
    Action,
    Channel,
    CloseReason,
    Kind,
    RootCause,
    State,
)


class ComplaintCategory(models.Model):
    """A configurable tree of categories (product quality, delivery, service, billing, ...)."""

    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(
        _("name (Chinese)"),
        max_length=100,
        blank=True,
        help_text=_("Shown in the Chinese interface; the name if empty."),
    )
    code = models.SlugField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    default_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("default handler"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Complaints logged by staff in this category are assigned to this person."),
    )

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return f"{self.parent.label} / {self.label}" if self.parent_id and self.parent else self.label

    @property
    def label(self) -> str:
        """The name in the active language: categories are data, named in both languages."""
        return bilingual(self, "name")


class ComplaintSequence(models.Model):
    """The last reference number issued per year. Incremented by a conditional UPDATE inside the
    creating transaction: PostgreSQL locks the row until commit and SQLite serialises writers, so
    two concurrent complaints never get the same number."""

    audit_ignore = ("year", "last_number")  # internal bookkeeping, not part of the record's history

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference sequence")
        verbose_name_plural = _("reference sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Complaint(TimeStampedModel):
    audit_ignore = (
        "status_token_hash",
        "status_token_expires_at",
    )  # internal bookkeeping, not part of the record's history
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="complaints"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RECEIVED, db_index=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    desired_remedy = models.TextField(_("remedy the customer wants"), blank=True)
    product_reference = models.CharField(_("product / order / batch"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,  # the public web form records with no user
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_complaints",
    )
    source_visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("raised during visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    source_visit_issue = models.ForeignKey(
        "visits.VisitIssue", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    category = models.ForeignKey(
        ComplaintCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    order_reference = models.CharField(_("order"), max_length=100, blank=True)
    batch_reference = models.CharField(_("batch"), max_length=100, blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    # Workflow timestamps: each is set by its step and checked against the state by the database.
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(_("closed because"), max_length=12, choices=CloseReason.choices, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    end_reason = models.TextField(_("reason for withdrawal or rejection"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # SLA: due dates are stored (the list filters and sorts on them); the clock pauses while the
    # complaint waits for the customer, and the due dates move on by the paused business time.
    acknowledge_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(_("waiting for the customer since"), null=True, blank=True)
    # Root cause (ISO 9001 10.2): a category plus the 5-why chain.
    root_cause_category = models.CharField(
        _("root cause category"), max_length=20, choices=RootCause.choices, blank=True
    )
    five_whys = models.JSONField(_("5 whys"), default=list, blank=True)
    # Closing the loop (ISO 10002 8.3): the customer's rating of how the complaint was handled.
    satisfaction_rating = models.PositiveSmallIntegerField(
        _("satisfaction with the handling (1-5)"), null=True, blank=True
    )
    satisfaction_comment = models.TextField(_("customer's comment on the handling"), blank=True)
    satisfaction_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    # The customer's private status link: only the SHA-256 of the token is stored.
    status_token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    status_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A decision to close before the required actions' effectiveness was verified (ISO 9001 10.2.1 d).
    early_close_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed before verification by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    early_close_at = models.DateTimeField(_("closed before verification at"), null=True, blank=True)
    early_close_reason = models.TextField(_("why closed before verification"), blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-received_at"]),
            models.Index(fields=["assignee", "state", "-received_at"]),
            models.Index(fields=["severity", "-received_at"]),
            models.Index(fields=["state", "resolve_due_at"]),
            models.Index(fields=["assignee", "state", "resolve_due_at"]),
            models.Index(fields=["team", "state", "resolve_due_at"]),
            models.Index(fields=["category", "state", "resolve_due_at"]),
            models.Index(fields=["severity", "state", "resolve_due_at"]),
            # Covering (PostgreSQL; others ignore INCLUDE): the SLA trend reads two years of due
            # complaints by an index-only scan instead of fetching every row from the table.
            models.Index(
                fields=["resolve_due_at"],
                include=["id", "kind", "resolved_at", "customer"],
                name="complaint_due_covering_idx",
            ),
            # The default queue: open complaints, soonest due first (a small share of all rows).
            models.Index(
                fields=["resolve_due_at", "id"],
                condition=models.Q(state__in=OPEN_STATES),
                name="complaint_open_due_idx",
            ),
        ]
        constraints = [
            # An issue raised during a visit becomes one complaint, however often the button is pressed.
            models.UniqueConstraint(
                fields=["source_visit_issue"],
                condition=models.Q(source_visit_issue__isnull=False),
                name="complaint_once_per_visit_issue",
            ),
            models.CheckConstraint(condition=models.Q(state__in=State.values), name="complaint_state_known"),
            models.CheckConstraint(
                condition=models.Q(satisfaction_rating__isnull=True)
                | models.Q(satisfaction_rating__gte=1, satisfaction_rating__lte=5, satisfaction_at__isnull=False),
                name="complaint_satisfaction_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(state=State.CLOSED, closed_at__isnull=False, close_reason__gt="")
                | (~models.Q(state=State.CLOSED) & models.Q(closed_at__isnull=True, close_reason="")),
                name="complaint_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=[State.RESOLVED, State.CLOSED], resolved_at__isnull=False)
                & ~models.Q(resolution="")
                | (~models.Q(state__in=[State.RESOLVED, State.CLOSED]) & models.Q(resolved_at__isnull=True)),
                name="complaint_resolved_at_iff_resolved",
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=ACKNOWLEDGED_STATES) | models.Q(acknowledged_at__isnull=False),
                name="complaint_acknowledged_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=[State.WITHDRAWN, State.REJECTED]) & ~models.Q(end_reason="")
                | (~models.Q(state__in=[State.WITHDRAWN, State.REJECTED]) & models.Q(end_reason="")),
                name="complaint_end_reason_iff_withdrawn_or_rejected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    # The change history's words for an escalation (no field of its own; core.audit.describe_changes).
    audit_labels = {"escalation": _("escalation"), "acknowledgement_sent_to": _("acknowledgement sent to")}

    @classmethod
    def audit_value_display(cls, name: str, value):
        """An escalation's rule by its name in the reader's language: the trail stores its code
        (before December 2026 its English name)."""
        if not value or not isinstance(value, str):
            return None
        if name == "category":  # stored as the name in the writer's language: shown in the reader's
            for category in ComplaintCategory.objects.select_related("parent"):
                with translation.override("en"):
                    english = str(category)
                with translation.override("zh-hans"):
                    chinese = str(category)
                if value in (english, chinese):
                    return str(category)
            return None
        if name != "escalation":
            return None
        rule = EscalationRule.objects.filter(models.Q(code=value) | models.Q(name=value)).first()
        return rule.label if rule is not None else None

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ComplaintEvent(models.Model):
    """One line of a complaint's timeline. Internal lines (notes, escalations) never reach the customer."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        TRANSITION = "transition", _("Workflow step")
        ASSIGNMENT = "assignment", _("Assignment")
        NOTE = "note", _("Internal note")
        ESCALATION = "escalation", _("Escalation")
        PAUSE = "pause", _("Waiting for the customer")
        RESUME = "resume", _("Customer answered")
        ACKNOWLEDGEMENT_SENT = "ack_sent", _("Acknowledgement sent")
        ACTION = "action", _("Corrective action")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    from_state = models.CharField(_("from"), max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=State.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # System lines store a message code and its parameters, rendered in the reader's language when
    # read (complaints.event_text); a sentence stored here would stay in the writer's language.
    message = models.CharField(_("system message"), max_length=30, blank=True)
    parameters = models.JSONField(_("message parameters"), default=dict, blank=True)
    is_public = models.BooleanField(_("shown to the customer"), default=False)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"])]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class SlaPolicy(models.Model):
    """How fast a complaint must be acknowledged and resolved, by severity and customer tier.
    A policy with an empty tier applies to every tier without its own."""

    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    tier = models.CharField(_("customer tier"), max_length=10, choices=Tier.choices, blank=True)
    acknowledge_hours = models.PositiveSmallIntegerField(_("acknowledge within (working hours)"))
    resolve_days = models.PositiveSmallIntegerField(_("resolve within (working days)"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["severity", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["severity", "tier"], name="sla_policy_one_per_severity_and_tier"),
            models.CheckConstraint(condition=models.Q(acknowledge_hours__gt=0), name="sla_acknowledge_positive"),
            models.CheckConstraint(condition=models.Q(resolve_days__gt=0), name="sla_resolve_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} / {self.get_tier_display() or '*'}"


class CalendarDay(models.Model):
    """An exception to the Monday-to-Friday week: a public holiday, or a weekend made a working day
    (调休). Configured as data each year."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class EscalationRule(models.Model):
    """One escalation level: when (relative to a deadline) and whom to tell. Configurable data."""

    class Deadline(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", _("Acknowledgement deadline")
        RESOLVE = "resolve", _("Resolution deadline")
        # Not swept by time: raised when the customer rates the handling low.
        LOW_SATISFACTION = "low_rating", _("Customer unhappy with the handling")

    class Audience(models.TextChoices):
        ASSIGNEE = "assignee", _("Assignee")
        MANAGER = "manager", _("Department manager")
        SENIOR = "senior", _("Senior management")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(
        _("name (Chinese)"),
        max_length=100,
        blank=True,
        help_text=_("Shown in the Chinese interface; the name if empty."),
    )
    level = models.PositiveSmallIntegerField(_("level"))
    deadline = models.CharField(_("deadline"), max_length=12, choices=Deadline.choices)
    offset_minutes = models.IntegerField(
        _("minutes after the deadline"), default=0, help_text=_("Negative: before the deadline (a warning).")
    )
    audience = models.CharField(_("notify"), max_length=10, choices=Audience.choices)
    only_severity = models.CharField(_("only for severity"), max_length=10, choices=Severity.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["level", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return bilingual(self, "name")


class Escalation(models.Model):
    """An escalation that happened. Unique per complaint, rule and cycle (reopening starts a new
    cycle), so a sweep that runs twice, or catches up after the worker was down, escalates once."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="escalations")
    rule = models.ForeignKey(EscalationRule, on_delete=models.PROTECT, related_name="escalations")
    cycle = models.PositiveSmallIntegerField(default=0)
    at = models.DateTimeField(_("when"), default=timezone.now)
    notified = models.TextField(_("notified"), blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "rule", "cycle"], name="escalation_once_per_rule_and_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.rule_id} {self.cycle}"


# How long to wait after an action is done before its effectiveness can be judged (a recurrence
# needs time to show): the owner chooses per action.
VERIFICATION_WAIT_CHOICES = [(30, _("30 days")), (60, _("60 days")), (90, _("90 days"))]


class CorrectiveAction(TimeStampedModel):
    """Containment, corrective or preventive action (ISO 9001 10.2) with owner, due date, status,
    and the effectiveness check someone made after it was done."""

    class Kind(models.TextChoices):
        CONTAINMENT = "containment", _("Containment action")
        CORRECTIVE = "corrective", _("Corrective action")
        PREVENTIVE = "preventive", _("Preventive action")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Result(models.TextChoices):
        EFFECTIVE = "effective", _("Effective")
        NOT_EFFECTIVE = "not_effective", _("Not effective")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="complaint_actions"
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    required_for_closing = models.BooleanField(_("must be done before closing"), default=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    result = models.CharField(_("result"), max_length=14, choices=Result.choices, blank=True)
    recurred = models.BooleanField(_("same defect recurred since"), null=True, blank=True)
    verification_wait_days = models.PositiveSmallIntegerField(
        _("check effectiveness after (days)"), choices=VERIFICATION_WAIT_CHOICES, default=30
    )
    verification_reminded_at = models.DateTimeField(
        _("verification reminder sent"), null=True, blank=True, editable=False
    )

    @property
    def verification_due_on(self):
        """The day the effectiveness check is due: the waiting period after the action was done."""
        if self.done_at is None:
            return None
        return timezone.localdate(self.done_at) + datetime.timedelta(days=self.verification_wait_days)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_date", "id"]
        # (status, due_date): the overdue lists and count; verified_at: the effectiveness rate of a
        # period (reports.figures.operations), which must not read every action ever recorded.
        indexes = [models.Index(fields=["status", "due_date"]), models.Index(fields=["verified_at"])]
        permissions = [("verify_correctiveaction", _("Can verify the effectiveness of corrective actions"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="done", done_at__isnull=False) | (~models.Q(status="done")),
                name="corrective_action_done_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(result="") | models.Q(verified_at__isnull=False, verified_by__isnull=False),
                name="corrective_action_result_is_verified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:60]}"


class ComplaintAttachment(models.Model):
    """A file the customer sent (photo, PDF, office document). Stored under PRIVATE_MEDIA_ROOT, outside
    the web root, under a random name; the type is the one its content shows, not its name."""

    audit_ignore = ("stored_path",)  # internal bookkeeping, not part of the record's history

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(_("file name"), max_length=150)
    stored_path = models.CharField(max_length=255, unique=True, editable=False)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("complaints:attachment", args=[self.complaint_id, self.pk])


class WebFormSubmission(models.Model):
    """One public form, sent once: the hash of the form's one-time token, so a double post (a
    second click, a resent request) finds the complaint already made instead of making another."""

    audit_ignore = ("token_hash",)  # internal bookkeeping, not part of the record's history

    token_hash = models.CharField(max_length=64, unique=True)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("web form submission")
        verbose_name_plural = _("web form submissions")

    def __str__(self) -> str:
        return self.token_hash[:12]
