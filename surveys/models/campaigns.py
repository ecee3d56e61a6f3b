"""Who is asked and what they answered: campaigns, invitations, responses and answers."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from .questionnaires import MeasurementPlan, Question, QuestionnaireVersion


class CampaignTrigger(models.TextChoices):
    NONE = "", _("No event")
    VISIT_DONE = "visit_done", _("After each follow-up visit")
    COMPLAINT_CLOSED = "complaint_closed", _("After each closed complaint")


class Campaign(TimeStampedModel):
    audit_ignore = ("open_token_salt", "open_token_hash")  # internal bookkeeping, not part of the record's history

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        RUNNING = "running", _("Collecting answers")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=150)
    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, verbose_name=_("questionnaire"), on_delete=models.PROTECT, related_name="campaigns"
    )
    plan = models.ForeignKey(
        MeasurementPlan,
        verbose_name=_("measurement plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    segment = models.ForeignKey(
        "customers.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_campaigns",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    trigger = models.CharField(
        _("sent after an event"),
        max_length=20,
        choices=CampaignTrigger.choices,
        blank=True,
        default="",
        help_text=_("An event campaign invites each customer after the event, while it runs."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    closes_at = models.DateTimeField(_("links expire at"))
    reminder_max = models.PositiveSmallIntegerField(
        _("reminders at most"), default=2, validators=[MaxValueValidator(5)]
    )
    reminder_interval_days = models.PositiveSmallIntegerField(
        _("days between reminders"), default=7, validators=[MinValueValidator(1)]
    )
    satisfied_threshold = models.PositiveSmallIntegerField(
        _("satisfied at or above (0–100)"),
        default=75,
        validators=[MaxValueValidator(100)],
        help_text=_("75 is a 4 on a 1–5 scale."),
    )
    alert_threshold = models.PositiveSmallIntegerField(
        _("alert below (0–100)"),
        default=50,
        validators=[MaxValueValidator(100)],
        help_text=_("A response whose satisfaction index is below this, or a detractor, alerts the account manager."),
    )
    close_after_responses = models.PositiveIntegerField(
        _("close after this many responses"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: the campaign collects answers until its links expire."),
    )
    population_size = models.PositiveIntegerField(
        _("eligible population"), default=0, help_text=_("Customers who could be surveyed when the campaign was made.")
    )
    sample_size = models.PositiveIntegerField(_("computed sample size"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The anonymous open link (kiosk, QR code on a delivery note): like an invitation's token, the
    # token is re-derived from the salt and never stored; the hash finds the campaign.
    open_link = models.BooleanField(
        _("open link"), default=False, help_text=_("Anyone with the link can answer, anonymously.")
    )
    open_token_salt = models.CharField(max_length=32, blank=True, editable=False)
    open_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("surveys:campaign_detail", args=[self.pk])


class Invitation(models.Model):
    """A personal link: bound to one customer (and contact) in one campaign.

    The link's token is never stored: `token_hash` is its SHA-256, and the token is re-derived when
    needed (reminders, printed lists) from `token_salt` and the SECRET_KEY (surveys.tokens).
    """

    audit_ignore = ("token_salt", "token_hash")  # internal bookkeeping, not part of the record's history

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        SENT = "sent", _("Sent")
        BOUNCED = "bounced", _("Bounced")
        OPENED = "opened", _("Opened")
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="survey_invitations",
        db_index=False,  # the (customer, -created_at) index leads with it
    )
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_invitations"
    )
    segment = models.ForeignKey(
        "customers.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The stratum the customer was drawn from, for results by segment."),
    )
    source = models.CharField(
        _("caused by"), max_length=40, blank=True, default="", help_text=_("The event behind it, e.g. visit:12.")
    )
    token_salt = models.CharField(max_length=32, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    email = models.EmailField(_("e-mail"), blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INVITED)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    bounce_reason = models.CharField(_("bounce reason"), max_length=255, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)
    draft = models.JSONField(_("saved answers"), default=dict, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["campaign", "id"]
        # No index holds `status` (or the other columns an answer changes): on PostgreSQL the answer's
        # UPDATE is then a HOT update, with no index to touch (the table keeps free space for it,
        # see migration 0007). Counting by status reads the campaign's rows through its FK index.
        indexes = [models.Index(fields=["customer", "-created_at"])]
        constraints = [
            # A sample or segment campaign invites a customer once; an event campaign once per event.
            models.UniqueConstraint(
                fields=["campaign", "customer"],
                condition=models.Q(source=""),
                name="invitation_once_per_customer_and_campaign",
            ),
            models.UniqueConstraint(
                fields=["campaign", "source"], condition=~models.Q(source=""), name="invitation_once_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.customer}"


class Response(models.Model):
    """A submitted questionnaire. One per invitation: the OneToOne makes the database refuse a second.

    An open response (the campaign's anonymous open link) has no invitation and no customer."""

    audit_ignore = ("client_hash",)  # internal bookkeeping, not part of the record's history
    audit_labels = {"follow_up_visits": _("follow-up visits planned")}  # the closed loop's entry

    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.PROTECT, related_name="response"
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        related_name="responses",
        db_index=False,  # the (campaign, -submitted_at) index leads with it
    )
    questionnaire_version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="survey_responses"
    )
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    is_open = models.BooleanField(_("through the open link"), default=False)
    client_hash = models.CharField(max_length=64, blank=True, editable=False)
    suspected_duplicate = models.BooleanField(
        _("suspected duplicate"),
        default=False,
        help_text=_("Same address and browser as another open response that day: left out of the scores."),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)
    csi = models.DecimalField(_("satisfaction index"), max_digits=5, decimal_places=1, null=True, blank=True)
    nps_score = models.PositiveSmallIntegerField(_("likelihood to recommend"), null=True, blank=True)
    alerted_at = models.DateTimeField(_("alert raised at"), null=True, blank=True)
    complaint = models.OneToOneField(
        "complaints.Complaint",
        verbose_name=_("complaint opened"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_response",
    )

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "-submitted_at"]),
            models.Index(
                fields=["campaign", "client_hash"], condition=models.Q(is_open=True), name="response_open_client_idx"
            ),
        ]
        permissions = [
            ("export_response", _("Can export survey responses")),
            ("view_all_responses", _("Can read every survey response, not only those about own customers")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(invitation__isnull=False, is_open=False, customer__isnull=False))
                | models.Q(invitation__isnull=True, is_open=True),
                name="response_has_invitation_or_is_open",
            ),
            # One scored open response per client a day: the first one stored. A second that races
            # the first (both saw none) is refused here and stored again as a suspected duplicate.
            models.UniqueConstraint(
                fields=["campaign", "client_hash"],
                condition=models.Q(is_open=True, suspected_duplicate=False) & ~models.Q(client_hash=""),
                name="response_open_client_scored_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.respondent}"

    def get_absolute_url(self) -> str:
        return reverse("surveys:response_detail", args=[self.pk])

    @property
    def respondent(self) -> str:
        """Who answered, as people read it: the customer, or "anonymous" for the open link."""
        return self.customer.name if self.customer_id else str(_("Anonymous (open link)"))


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    importance = models.SmallIntegerField(_("importance"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response", "question__position"]
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question")]

    def __str__(self) -> str:
        return f"{self.question.code}={self.score if self.score is not None else self.text or self.choices}"
