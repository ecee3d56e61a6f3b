"""The shared kernel: a timestamped base model, the append-only audit trail and the mail outbox."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import audit_text


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")

    def for_object(self, instance: models.Model) -> "AuditEventQuerySet":
        from django.contrib.contenttypes.models import ContentType

        return self.filter(
            content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
            object_id=str(instance.pk),
        )


class AuditEvent(models.Model):
    """One change to a business record: who, when, what (before/after), and from where.

    Append-only: the model refuses updates and deletes, and a database trigger (migration 0002)
    refuses them too, so neither the application nor a stray queryset can rewrite history.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        TRANSITION = "transition", _("Workflow step")
        IMPORT = "import", _("Imported")
        EXPORT = "export", _("Exported")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        # Not SET_NULL: that is an UPDATE of the event, which the append-only trigger refuses (the
        # delete failed with a database error). A user who acted stays, deactivated, so the trail
        # keeps saying who did what.
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("who (name at the time)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # Not indexed alone: the (content_type, object_id, -at) index leads with it.
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, db_index=False)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("record"), max_length=255)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("client"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=32, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    @property
    def actor_display(self) -> str:
        return audit_text.actor_display(self.actor_id, self.actor_name)

    @property
    def comment_display(self) -> str:
        return audit_text.comment_display(self.comment)

    @property
    def source_display(self) -> str:
        return audit_text.source_display(self.source)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")


class OutboxMessage(models.Model):
    """One e-mail on its way, the only path mail takes (core/mail.py): rendered and recorded in the
    transaction of what caused it, delivered by a task after commit, enqueued again by the sweeper
    while it is pending (broker down at commit, relay down, worker lost).

    The bodies are kept only until the message is sent or has failed for good: they can carry
    personal links (a complaint's status link, whose token is otherwise stored only as a hash).
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("mail status", "Pending")
        SENDING = "sending", pgettext_lazy("mail status", "Sending")
        SENT = "sent", pgettext_lazy("mail status", "Sent")
        FAILED = "failed", pgettext_lazy("mail status", "Failed")

    to = models.JSONField(_("recipients"))
    from_email = models.CharField(_("sender"), max_length=254)
    # 998 characters: the longest line RFC 5322 allows.
    subject = models.CharField(_("subject"), max_length=998)
    body_text = models.TextField(_("text body"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=10)
    reference = models.CharField(_("caused by"), max_length=64, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When a pending message is next due: at once when recorded, later after a failed attempt
    # (backoff), and a while after the sweeper enqueued it again.
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("mail outbox")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="core_outbox_status_due")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sending", "sent", "failed"]),
                name="core_outbox_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="core_outbox_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{', '.join(self.to)}: {self.subject}"


class AuditChainLinkQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit chain is append-only.")

    def delete(self):
        raise PermissionError("The audit chain is append-only.")


class AuditChainLink(models.Model):
    """One sealed audit event's place in the hash chain (core.audit_chain).

    link_hash = SHA-256(previous link_hash + the event's canonical serialisation), so an edited,
    deleted, inserted or reordered event no longer matches. Written only by the sealer, after the
    event; append-only like the trail (same triggers, migration 0006).
    """

    audit_ignore = ("content_hash",)  # internal bookkeeping, not part of the record's history

    position = models.PositiveBigIntegerField(_("position"), unique=True)
    # No database foreign key: deleting an event must not need deleting (or be blocked by) its link,
    # which stays behind as the evidence that the event existed.
    event = models.OneToOneField(
        AuditEvent,
        verbose_name=_("audit event"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="chain_link",
    )
    # SHA-256 of the entry without its id: tells a moved (reordered) entry from an edited one.
    content_hash = models.CharField(max_length=64)
    link_hash = models.CharField(_("link hash"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"))

    objects = AuditChainLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit chain link")
        verbose_name_plural = _("audit chain")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.position} {self.link_hash[:12]}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit chain is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit chain is append-only.")
