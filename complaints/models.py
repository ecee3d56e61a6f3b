"""Complaints, compliments and suggestions (ISO 10002 receipt and recording)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    COMPLIMENT = "compliment", _("Compliment")
    SUGGESTION = "suggestion", _("Suggestion")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Customer hotline")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("E-mail")
    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    EXHIBITION = "exhibition", _("Exhibition or event")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class State(models.TextChoices):
    RECEIVED = "received", _("Received")


class ComplaintSequence(models.Model):
    """The last reference number issued per year. Incremented by a conditional UPDATE inside the
    creating transaction: PostgreSQL locks the row until commit and SQLite serialises writers, so
    two concurrent complaints never get the same number."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference sequence")
        verbose_name_plural = _("reference sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Complaint(TimeStampedModel):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="complaints"
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL,
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
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="assigned_complaints",
    )
    source_visit = models.ForeignKey(
        "visits.Visit", verbose_name=_("raised during visit"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="complaints",
    )
    source_visit_issue = models.ForeignKey(
        "visits.VisitIssue", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-received_at"]),
            models.Index(fields=["assignee", "state", "-received_at"]),
            models.Index(fields=["severity", "-received_at"]),
        ]
        constraints = [
            # An issue raised during a visit becomes one complaint, however often the button is pressed.
            models.UniqueConstraint(fields=["source_visit_issue"], condition=models.Q(source_visit_issue__isnull=False),
                                    name="complaint_once_per_visit_issue"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])
