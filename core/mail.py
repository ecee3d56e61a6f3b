"""The one path e-mail takes: mail_send -> outbox row -> mail_deliver_task -> (sweeper).

`mail_send` renders the message in the recipient's language and records it as an `OutboxMessage` in
the caller's transaction, then enqueues its delivery after commit. So a request never waits on the
mail relay, a relay that fails never fails the change that caused the mail, and a broker that is
down at commit loses nothing: the row is there, and `mail_outbox_sweep` (every minute, csm/celery.py)
enqueues it again. Delivery claims the row with a conditional UPDATE, so two workers, a redelivered
task or a sweep racing the first task send a message once.

Templates live under templates/emails/<app>/: `<name>_subject.txt`, `<name>_body.txt` and optionally
`<name>_body.html`; callers name them `"<app>/<name>"`. The text parts are rendered without HTML
escaping (a customer called "A & B" is not "A &amp; B" in a subject); the HTML part is escaped.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Mapping, Sequence
from email.utils import parseaddr
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as BrokerUnavailable

from .models import OutboxMessage

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status

# One sweep enqueues at most this many messages; the rest wait for the next minute. Enqueueing
# cost 0.26-0.36 ms a message on the filesystem broker here (500 in 0.13 s, 2,000 in 0.72 s), so a
# full batch takes a fraction of a second of the sweep's minute, and a backlog (after a long relay
# outage) drains at 30,000 messages an hour on top of what the commits enqueue themselves.
MAIL_OUTBOX_SWEEP_BATCH_SIZE = 500

# Sent once a message is given up (FAILED), with message= and reason=, after the row is updated:
# the app that caused the mail learns it by the message's `reference` (an invitation's bounce).
mail_failed = Signal()

# Transient: the relay is unreachable, slow or said "try later". smtplib's errors are OSErrors.
TRANSIENT_ERRORS = (OSError, SoftTimeLimitExceeded)


# -- rendering --------------------------------------------------------------------------------------


def _render_text(name: str, context: Mapping[str, Any]) -> str:
    return get_template(name).template.render(Context(dict(context), autoescape=False))


def mail_render(*, template: str, context: Mapping[str, Any], language: str) -> tuple[str, str, str]:
    """(subject, text body, HTML body or "") of `emails/<template>_*` in `language`."""
    with translation.override(language):
        subject = " ".join(_render_text(f"emails/{template}_subject.txt", context).split())
        body_text = _render_text(f"emails/{template}_body.txt", context)
        try:
            body_html = render_to_string(f"emails/{template}_body.html", dict(context))
        except TemplateDoesNotExist:
            body_html = ""
    return subject, body_text, body_html


# -- recording ----------------------------------------------------------------------------------------


def mail_send(
    *,
    to: str | Sequence[str],
    template: str,
    context: Mapping[str, Any],
    language: str,
    reference: str = "",
    headers: Mapping[str, str] | None = None,
    from_email: str = "",
) -> OutboxMessage:
    """Record one e-mail to `to` (one address or several, all of whom read `language`) and deliver it
    after the caller's transaction commits. Rendered now, so the row is exactly what gets sent.

    `template` is "<app>/<name>" (see the module docstring); a blank `language` means the site's
    default. `reference` says what caused the mail ("complaint:12"), `headers` are extra headers
    (List-Unsubscribe). Preconditions: at least one non-blank address; call it inside the
    transaction that makes the change the mail tells about, so both commit or neither does.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    recipients = [address.strip() for address in recipients if address and address.strip()]
    if not recipients:
        raise ValueError("mail_send needs at least one address.")
    language = language or settings.LANGUAGE_CODE
    subject, body_text, body_html = mail_render(template=template, context=context, language=language)
    now = timezone.now()
    message = OutboxMessage.objects.create(
        to=recipients,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        subject=subject[:998],
        body_text=body_text,
        body_html=body_html,
        headers=dict(headers or {}),
        template=template,
        language=language,
        reference=reference[:64],
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _enqueue(message_id: int) -> bool:
    """Hand the delivery to the broker. A broker that is down loses nothing: the row stays pending
    and the sweeper enqueues it again, so this logs instead of failing the caller."""
    from .tasks import mail_deliver_task

    try:
        mail_deliver_task.delay(message_id)
    except (BrokerUnavailable, OSError) as error:
        logger.warning("Mail %s not enqueued (%s); the outbox sweeper will send it.", message_id, error)
        return False
    return True


# -- delivery -----------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed attempt: doubling from the base, capped."""
    seconds = settings.MAIL_RETRY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.MAIL_RETRY_BACKOFF_MAX_SECONDS))


def delivery_time_limits() -> tuple[int, int]:
    """(soft, hard) seconds for one delivery: each of connect, greeting, TLS, login, envelope, data
    and quit may take up to EMAIL_TIMEOUT; the hard limit leaves the soft one time to record."""
    soft = settings.EMAIL_TIMEOUT * 7
    return soft, soft + 30


def _permanent(error: BaseException) -> bool:
    """The relay refused for good (5xx for every recipient) or the message cannot be sent at all
    (an address or header Django refuses): trying again would fail the same way."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _text in error.recipients.values())
    return isinstance(error, ValueError)


def message_id_header(message: OutboxMessage) -> str:
    """The Message-ID of an outbox row: the same on every attempt. A delivery whose worker died
    after the relay took the message but before the row said SENT is sent again (at least once);
    with the same Message-ID, mail systems that drop duplicates (most large ones do) show it once.
    Unique across installations and restores: the row's creation time, its id and the sender's domain."""
    domain = parseaddr(message.from_email)[1].rpartition("@")[2] or DNS_NAME.get_fqdn()
    return f"<{message.created_at:%Y%m%d%H%M%S%f}.{message.pk}.csm@{domain}>"


def _email(message: OutboxMessage) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=message.from_email,
        to=message.to,
        headers={"Message-ID": message_id_header(message), **message.headers},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def _finish(message: OutboxMessage, **changes: Any) -> None:
    """Leave SENDING: only the claimant does, and the bodies go once nothing will send them again."""
    if changes["status"] in (Status.SENT, Status.FAILED):
        changes.update(body_text="", body_html="")
    finished = OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(**changes)
    if finished and changes["status"] == Status.FAILED:
        _failed_tell(message, changes["last_error"])


def _failed_tell(message: OutboxMessage, reason: str) -> None:
    """Tell the receivers of `mail_failed`; one receiver's error must not leave the others untold."""
    for _receiver, response in mail_failed.send_robust(sender=OutboxMessage, message=message, reason=reason):
        if isinstance(response, Exception):
            logger.error("A mail_failed receiver raised for mail %s: %r", message.pk, response)


def mail_deliver(*, message_id: int) -> bool:
    """Send one pending outbox message. Returns True if it was sent by this call.

    Idempotent by state: the conditional UPDATE from PENDING to SENDING lets one caller through;
    a message already sent, failed or being sent is left alone. A transient relay error puts it
    back to PENDING, due again after `retry_delay`, up to MAIL_DELIVERY_MAX_RETRIES retries; then,
    or at once for a permanent refusal, it is FAILED with the error (logged as an error and listed
    in the admin). Never raises for a relay error, so an eager run inside a request fails nothing.
    """
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(pk=message_id, status=Status.PENDING).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        _email(message).send()
    except TRANSIENT_ERRORS + (ValueError,) as error:
        reason = f"{error.__class__.__name__}: {error}"[:2000]
        if _permanent(error) or message.attempts > settings.MAIL_DELIVERY_MAX_RETRIES:
            _finish(message, status=Status.FAILED, last_error=reason)
            logger.error(
                "Mail %s (%s, %s) to %s failed after %s attempt(s): %s",
                message.pk,
                message.template,
                message.reference or "-",
                ", ".join(message.to),
                message.attempts,
                reason,
            )
        else:
            _finish(
                message,
                status=Status.PENDING,
                last_error=reason,
                next_attempt_at=timezone.now() + retry_delay(message.attempts),
            )
            logger.warning("Mail %s attempt %s failed, will retry: %s", message.pk, message.attempts, reason)
        return False
    except Exception as error:
        # A bug, not the relay: recorded so the row does not sit in SENDING, then raised to be seen.
        _finish(message, status=Status.FAILED, last_error=f"{error.__class__.__name__}: {error}"[:2000])
        logger.exception("Mail %s could not be sent", message.pk)
        raise
    _finish(message, status=Status.SENT, sent_at=timezone.now(), last_error="")
    return True


# -- the sweeper --------------------------------------------------------------------------------------


def mail_outbox_sweep(*, now: datetime.datetime | None = None, batch_size: int = MAIL_OUTBOX_SWEEP_BATCH_SIZE) -> int:
    """Enqueue the pending messages that are due and nobody is delivering: their task was lost (the
    broker was down at commit) or their retry is due. First returns to PENDING the deliveries that
    never finished (a worker killed past its hard time limit or lost with its machine; such a message
    may have gone out, so it may arrive twice: at least once, never lost). Returns how many it enqueued.
    """
    now = now or timezone.now()
    due_before = now - datetime.timedelta(seconds=settings.MAIL_OUTBOX_SWEEP_AFTER_SECONDS)
    _soft, hard = delivery_time_limits()
    stalled = OutboxMessage.objects.filter(
        status=Status.SENDING, claimed_at__lt=now - datetime.timedelta(seconds=hard + 60)
    )
    reason = "Delivery did not finish (worker stopped)."
    given_up = list(stalled.filter(attempts__gt=settings.MAIL_DELIVERY_MAX_RETRIES))
    for message in given_up:
        if OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=Status.FAILED, last_error=reason, body_text="", body_html=""
        ):
            _failed_tell(message, reason)
    stalled.update(status=Status.PENDING, last_error=reason, next_attempt_at=due_before)

    due = list(
        OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=due_before)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    # Not enqueued again by the next sweep unless still pending a sweep interval from now.
    OutboxMessage.objects.filter(pk__in=due, status=Status.PENDING).update(next_attempt_at=now)
    enqueued = 0
    for message_id in due:
        if not _enqueue(message_id):
            break  # the broker is down: the next sweep tries again
        enqueued += 1
    return enqueued
