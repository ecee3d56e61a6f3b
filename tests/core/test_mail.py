"""The one mail path: mail_send records an outbox row in the caller's transaction, a task delivers
it after commit, the sweeper enqueues what is still pending. Nothing is lost, nothing sent twice."""

import datetime
import logging
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import mail as outbox
from core.models import OutboxMessage
from core.tasks import mail_deliver_task, mail_outbox_sweep_task
from tests.mail_backends import LOCMEM

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status
TEMPLATES_FOR_TESTS = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _sample_templates(settings):
    """templates/emails/tests/sample_{subject,body}.txt and sample_body.html, for these tests only."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_FOR_TESTS]}]


def send(**kwargs) -> OutboxMessage:
    values = {"to": "li.na@example.com", "template": "tests/sample", "context": {"name": "A & B"}, "language": "en"}
    return outbox.mail_send(**{**values, **kwargs})


def later(**delta):
    return time_machine.travel(timezone.now() + datetime.timedelta(**delta), tick=False)


def row(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


# -- recording and rendering ----------------------------------------------------------------------


def test_mail_is_recorded_in_the_callers_transaction_and_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = send(reference="complaint:7")
        assert mail.outbox == []  # not before commit
        assert row(message).status == Status.PENDING

    (email,) = mail.outbox
    assert email.to == ["li.na@example.com"]
    sent = row(message)
    assert (sent.status, sent.attempts, sent.last_error) == (Status.SENT, 1, "")
    assert sent.sent_at is not None and sent.reference == "complaint:7" and sent.template == "tests/sample"


def test_mail_of_a_rolled_back_change_is_never_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            send()
            raise RuntimeError("the change failed")

    assert mail.outbox == [] and not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("en", "Hello A & B, second line", "Customer service: A & B"),
        ("zh-hans", "A & B，您好： second line", "客户服务: A & B"),
    ],
)
def test_the_message_is_rendered_in_the_recipients_language(language, subject, body):
    message = send(language=language)

    assert (message.language, message.subject) == (language, subject)  # one line, not HTML-escaped
    assert message.body_text.strip() == body
    assert message.body_html.strip() == "<p>A &amp; B</p>"  # the HTML part is escaped


def test_a_blank_language_means_the_sites_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"

    assert send(language="").language == "zh-hans"


def test_several_recipients_html_alternative_and_headers_go_out_as_recorded(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(to=["a@example.com", " ", "b@example.com"], headers={"List-Unsubscribe": "<https://x.example/o>"})

    (email,) = mail.outbox
    assert email.to == ["a@example.com", "b@example.com"]
    assert email.alternatives[0][1] == "text/html" and "A &amp; B" in email.alternatives[0][0]
    assert email.extra_headers["List-Unsubscribe"] == "<https://x.example/o>"
    assert email.from_email == "CSM <csm@localhost>"


def test_a_message_without_an_address_is_refused():
    with pytest.raises(ValueError):
        send(to=["", "  "])


def test_a_sent_message_keeps_no_body(django_capture_on_commit_callbacks):
    """Bodies can carry personal links (a status token is otherwise stored only as a hash)."""
    with django_capture_on_commit_callbacks(execute=True):
        message = send()

    sent = row(message)
    assert (sent.body_text, sent.body_html) == ("", "")
    assert sent.subject == "Hello A & B, second line"


# -- delivery ---------------------------------------------------------------------------------------


def test_the_task_run_twice_sends_once():
    message = send()  # the test's transaction never commits: nothing enqueued yet

    assert mail_deliver_task.delay(message.pk).get() is True
    assert mail_deliver_task.delay(message.pk).get() is False

    assert len(mail.outbox) == 1
    assert row(message).attempts == 1


def test_a_message_being_sent_by_another_worker_is_left_alone():
    message = send()
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.SENDING, claimed_at=timezone.now())

    assert outbox.mail_deliver(message_id=message.pk) is False
    assert mail.outbox == []


@pytest.mark.parametrize("backend", ["DisconnectingRelayBackend", "UnreachableRelayBackend", "GreylistingBackend"])
def test_a_failing_relay_loses_no_mail(backend, settings, django_capture_on_commit_callbacks, caplog):
    settings.EMAIL_BACKEND = f"tests.mail_backends.{backend}"
    with django_capture_on_commit_callbacks(execute=True):
        message = send()  # the relay fails in the task after commit; mail_send returns normally

    waiting = row(message)
    assert (waiting.status, waiting.attempts) == (Status.PENDING, 1)
    assert waiting.last_error and waiting.body_text  # kept for the retry
    assert waiting.next_attempt_at > timezone.now()  # the backoff, kept in the row
    assert "will retry" in caplog.text

    settings.EMAIL_BACKEND = LOCMEM  # the relay recovers
    assert mail_outbox_sweep_task.delay().get() == 0  # not yet due
    with later(seconds=settings.MAIL_RETRY_BACKOFF_SECONDS + settings.MAIL_OUTBOX_SWEEP_AFTER_SECONDS):
        assert mail_outbox_sweep_task.delay().get() == 1

    assert len(mail.outbox) == 1
    assert (row(message).status, row(message).attempts) == (Status.SENT, 2)


def test_retries_back_off_up_to_a_cap(settings):
    settings.MAIL_RETRY_BACKOFF_SECONDS, settings.MAIL_RETRY_BACKOFF_MAX_SECONDS = 60, 600

    assert [outbox.retry_delay(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


def test_the_final_failure_is_recorded_after_the_last_retry(settings, caplog):
    settings.MAIL_DELIVERY_MAX_RETRIES = 2
    settings.EMAIL_BACKEND = "tests.mail_backends.DisconnectingRelayBackend"
    message = send(reference="visit:3")
    outbox.mail_deliver(message_id=message.pk)
    for hours in (1, 2):  # each retry, once due, enqueued by the sweeper
        with later(hours=hours):
            mail_outbox_sweep_task.delay().get()

    failed = row(message)
    assert (failed.status, failed.attempts) == (Status.FAILED, 3)
    assert "SMTPServerDisconnected" in failed.last_error
    assert failed.body_text == ""
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "visit:3" in errors[0].getMessage()
    with later(hours=5):
        assert mail_outbox_sweep_task.delay().get() == 0  # failed for good: never tried again


def test_a_refused_mailbox_fails_at_once_without_retries(settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.RefusingRecipientBackend"
    message = send()

    outbox.mail_deliver(message_id=message.pk)

    failed = row(message)
    assert (failed.status, failed.attempts) == (Status.FAILED, 1)
    assert "No such user" in failed.last_error


# -- the broker and the sweeper -------------------------------------------------------------------


def test_a_broker_down_at_commit_loses_no_mail(monkeypatch, settings, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(mail_deliver_task, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            message = send()  # the commit and the caller succeed

    assert mail.outbox == [] and row(message).status == Status.PENDING
    assert mail_outbox_sweep_task.delay().get() == 0  # its task may still be on the way
    with later(seconds=settings.MAIL_OUTBOX_SWEEP_AFTER_SECONDS + 1):
        assert mail_outbox_sweep_task.delay().get() == 1

    assert len(mail.outbox) == 1 and row(message).status == Status.SENT


def test_the_sweeper_waits_for_a_broker_that_is_still_down(monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    message = send()
    monkeypatch.setattr(mail_deliver_task, "delay", broker_down)

    with later(minutes=5):
        assert outbox.mail_outbox_sweep() == 0

    assert row(message).status == Status.PENDING


def test_a_delivery_that_never_finished_is_tried_again():
    message = send()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, claimed_at=timezone.now(), attempts=1
    )  # a worker killed mid-send

    assert outbox.mail_outbox_sweep() == 0  # within its time limit: maybe still sending
    with later(minutes=10):
        assert outbox.mail_outbox_sweep() == 1

    assert len(mail.outbox) == 1 and row(message).attempts == 2


def test_the_sweeper_enqueues_a_bounded_batch_oldest_first():
    messages = [send() for _ in range(3)]

    with later(minutes=5):
        assert outbox.mail_outbox_sweep(batch_size=2) == 2
        assert {m.pk for m in messages if row(m).status == Status.SENT} == {messages[0].pk, messages[1].pk}


# -- where failures show --------------------------------------------------------------------------


def test_the_admin_lists_outbox_messages_read_only_with_filters(admin_client, settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.RefusingRecipientBackend"
    message = send()
    outbox.mail_deliver(message_id=message.pk)

    page = admin_client.get(reverse("admin:core_outboxmessage_changelist"), {"status__exact": "failed"})
    detail = admin_client.get(reverse("admin:core_outboxmessage_change", args=[message.pk]))

    assert page.status_code == 200 and b"li.na@example.com" in page.content
    assert detail.status_code == 200 and b"No such user" in detail.content
    assert admin_client.get(reverse("admin:core_outboxmessage_add")).status_code == 403
    assert admin_client.post(reverse("admin:core_outboxmessage_delete", args=[message.pk])).status_code == 403
