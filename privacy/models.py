"""The register of data-subject requests: who asked for what about whom, when, why, and who did it.

A request names its subject by kind and id, not by a foreign key: the subject's record stays (erased,
under its pseudonym), and the register must read the same whatever happens to it later. The reason
is the requester's words as the manager typed them; nothing personal about the subject is kept here
beyond the pseudonym."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CONTACT = "contact", _("Contact")


class RequestKind(models.TextChoices):
    EXPORT = "export", _("Copy of the data")
    ERASE = "erase", _("Erasure")


class SubjectRequest(models.Model):
    kind = models.CharField(_("request"), max_length=10, choices=RequestKind.choices)
    subject_kind = models.CharField(_("about a"), max_length=10, choices=SubjectKind.choices)
    subject_id = models.PositiveIntegerField(_("record number"))
    customer_id_at_request = models.PositiveIntegerField(_("customer record number"), db_index=True)
    pseudonym = models.CharField(_("pseudonym"), max_length=100, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,  # an operator's command
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), default=timezone.now)
    summary = models.JSONField(_("records covered"), default=dict, blank=True)

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        ordering = ["-handled_at", "-id"]
        permissions = [
            ("export_subject_data", _("Can export everything held about a customer or contact")),
            ("erase_subject_data", _("Can erase a customer or contact on request")),
        ]
        constraints = [
            # A subject is erased once, however often the button is pressed or the command run.
            models.UniqueConstraint(
                fields=["subject_kind", "subject_id"],
                condition=models.Q(kind="erase"),
                name="subject_erased_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.pseudonym or f'{self.subject_kind} #{self.subject_id}'}"
