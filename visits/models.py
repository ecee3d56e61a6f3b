"""Follow-up visits: plans (rules per segment or per event) and the visits they create."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.i18n import bilingual
from core.models import TimeStampedModel


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Every six months")
    YEARLY = "yearly", _("Yearly")


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("On a schedule")
    COMPLAINT_CLOSED = "complaint_closed", _("After a complaint is closed")
    LOW_SURVEY_SCORE = "low_survey_score", _("After a low survey score")
    CUSTOMER_LOST = "customer_lost", _("When a customer is marked lost")
    MANUAL = "manual", _("Planned by hand")  # a visit only: no plan has this trigger


PLAN_TRIGGERS = [(value, label) for value, label in Trigger.choices if value != Trigger.MANUAL]


class Channel(models.TextChoices):
    ON_SITE = "on_site", _("On-site visit")
    PHONE = "phone", _("Phone call")
    VIDEO = "video", _("Video call")


class Purpose(models.TextChoices):
    RELATIONSHIP = "relationship", _("Regular follow-up")
    SATISFACTION = "satisfaction", _("Satisfaction check")
    PROSPECT = "prospect", _("Prospect visit")
    WIN_BACK = "win_back", _("Win-back visit")
    COMPLAINT_FOLLOW_UP = "complaint_follow_up", _("Complaint follow-up")
    LOW_SCORE_FOLLOW_UP = "low_score_follow_up", _("Low score follow-up")


class Severity(models.TextChoices):
    """How serious a problem is: an issue raised during a visit, and the complaint made from it
    (complaints import this one, so the complaint takes the issue's severity over as it is)."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Assignment(models.TextChoices):
    OWNER = "owner", _("The customer's account manager")
    PERSON = "person", _("A named person")
    ROUND_ROBIN = "round_robin", _("Round-robin within a team")


# What a manager sets on a visit plan (form, API, services). Not here: applies_from and the round-robin
# position, which the scheduling keeps, and who created the plan.
VISIT_PLAN_EDITABLE_FIELDS = (
    "name",
    "name_zh",
    "trigger",
    "segment",
    "cadence",
    "anchor_day",
    "horizon_days",
    "due_in_days",
    "channel",
    "purpose",
    "assignment",
    "assignee",
    "team",
    "time_zone",
    "is_active",
)


class VisitPlan(TimeStampedModel):
    """A rule: which customers get which visit how often (or after which event), done by whom.

    Editing a plan changes the visits it creates from then on; visits already created for the
    current cycle keep their date and assignee (a plan change applies from the next cycle).
    """

    audit_ignore = ("round_robin_position",)  # internal bookkeeping, not part of the record's history

    name = models.CharField(_("name"), max_length=120, unique=True)
    # English in `name`, Chinese here (core.i18n.bilingual's older style: `name` keeps its unique
    # constraint and the API's field name).
    name_zh = models.CharField(
        _("name (Chinese)"),
        max_length=120,
        blank=True,
        help_text=_("Shown in the Chinese interface; the name if empty."),
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=PLAN_TRIGGERS, default=Trigger.SCHEDULE)
    segment = models.ForeignKey(
        "customers.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_plans",
        help_text=_("Which customers. Required for scheduled plans; an event plan without one applies to all."),
    )
    cadence = models.CharField(_("cadence"), max_length=12, choices=Cadence.choices, blank=True)
    anchor_day = models.PositiveSmallIntegerField(
        _("day in the cycle"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_(
            "The visit is due on this day of each cycle (1 = the first day); past the cycle's end, on its last day."
        ),
    )
    due_in_days = models.PositiveSmallIntegerField(
        _("due within (days)"), default=7, help_text=_("For event plans: days from the event to the visit's due date.")
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("create ahead (days)"),
        default=14,
        help_text=_("Visits are created this many days before their cycle starts, so they can be planned."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ON_SITE)
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices, default=Purpose.RELATIONSHIP)
    assignment = models.CharField(_("assigned to"), max_length=12, choices=Assignment.choices, default=Assignment.OWNER)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    round_robin_position = models.PositiveIntegerField(default=0, editable=False)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.TIME_ZONE,
        help_text=_("Cycles start at midnight in this time zone."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    applies_from = models.DateField(
        _("current rules apply from"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the cadence, day, segment or time zone changes: the start of the next cycle."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(trigger="schedule") | (~models.Q(cadence="") & models.Q(segment__isnull=False)),
                name="visitplan_schedule_has_cadence_and_segment",
            ),
            models.CheckConstraint(
                condition=~models.Q(assignment="person") | models.Q(assignee__isnull=False),
                name="visitplan_person_assignment_has_assignee",
            ),
            models.CheckConstraint(
                condition=~models.Q(assignment="round_robin") | models.Q(team__isnull=False),
                name="visitplan_round_robin_has_team",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return bilingual(self, "name")

    def get_absolute_url(self) -> str:
        return reverse("visits:plan_detail", args=[self.pk])

    def clean(self) -> None:
        import zoneinfo

        errors = {}
        if self.trigger == Trigger.SCHEDULE:
            if not self.cadence:
                errors["cadence"] = _("A scheduled plan needs a cadence.")
            if not self.segment_id:
                errors["segment"] = _("A scheduled plan needs a segment.")
        if self.assignment == Assignment.PERSON and not self.assignee_id:
            errors["assignee"] = _("Name the person who does these visits.")
        if self.assignment == Assignment.ROUND_ROBIN and not self.team_id:
            errors["team"] = _("Choose the team whose members share these visits.")
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = _("Unknown time zone.")
        if errors:
            raise ValidationError(errors)


class Visit(TimeStampedModel):
    """One follow-up visit or call. Created by a plan (per cycle or per event) or by hand."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="visits"
    )
    plan = models.ForeignKey(
        VisitPlan, verbose_name=_("plan"), null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices, default=Trigger.SCHEDULE)
    cycle = models.CharField(_("cycle"), max_length=12, blank=True, help_text=_("e.g. 2026-11, 2026-Q4, 2026-W48"))
    trigger_reference = models.CharField(
        _("caused by"), max_length=64, blank=True, help_text=_("The event behind the visit, e.g. complaint:123.")
    )
    due_date = models.DateField(_("due date"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ON_SITE)
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices, default=Purpose.RELATIONSHIP)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    contacts_met = models.ManyToManyField(
        "customers.Contact", verbose_name=_("who was met"), blank=True, related_name="visits"
    )
    summary = models.TextField(_("summary"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    completed_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    reschedule_count = models.PositiveSmallIntegerField(_("times rescheduled"), default=0)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["due_date", "id"]
        permissions = [
            ("view_all_visits", _("Can see every visit, not only their own")),
            ("change_all_visits", _("Can change and assign every visit")),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["customer", "-due_date"]),
            models.Index(fields=["plan", "cycle"]),
        ]
        constraints = [
            # A plan visits a customer once per cycle, however often the scheduler runs.
            models.UniqueConstraint(
                fields=["customer", "plan", "cycle"],
                condition=models.Q(trigger="schedule"),
                name="visit_once_per_customer_plan_cycle",
            ),
            # An event (a closed complaint, a low score, a lost customer) gives one visit per plan.
            models.UniqueConstraint(
                fields=["plan", "trigger_reference"],
                condition=~models.Q(trigger="schedule") & ~models.Q(trigger_reference=""),
                name="visit_once_per_plan_event",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done")
                | (models.Q(visited_on__isnull=False) & models.Q(completed_at__isnull=False)),
                name="visit_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.name} · {self.due_date:%Y-%m-%d}"

    @classmethod
    def audit_value_display(cls, name: str, value):
        """The change history's words for the scores recorded ({dimension code: score}): each
        dimension by its name in the reader's language (core.audit.describe_changes)."""
        if name != "scores" or not isinstance(value, dict):
            return None
        from customers.models import SatisfactionDimension

        names = {d.code: d.name for d in SatisfactionDimension.objects.filter(code__in=list(value))}
        return ", ".join(f"{names.get(code, code)} {score}" for code, score in value.items())

    def get_absolute_url(self) -> str:
        return reverse("visits:detail", args=[self.pk])


class VisitScore(models.Model):
    """A satisfaction score given during a visit, on the same dimensions as surveys (1 to 5)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="scores")
    dimension = models.ForeignKey(
        "customers.SatisfactionDimension", verbose_name=_("dimension"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        verbose_name = _("visit score")
        verbose_name_plural = _("visit scores")
        constraints = [
            models.UniqueConstraint(fields=["visit", "dimension"], name="visitscore_once_per_dimension"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="visitscore_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.score}"


class VisitIssue(models.Model):
    """A new issue the customer raised during the visit; one action turns it into a complaint."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="issues")
    description = models.TextField(_("issue"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("issue raised")
        verbose_name_plural = _("issues raised")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description[:80]


class CalendarFeed(models.Model):
    """A personal iCalendar address: calendar apps cannot log in, so the address is the secret.

    Only a hash of the token is stored; making a new address revokes the old one.
    """

    audit_ignore = ("token_hash",)  # internal bookkeeping, not part of the record's history

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
