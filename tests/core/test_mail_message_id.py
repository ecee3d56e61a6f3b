"""A message sent again after its worker died mid-delivery carries the same Message-ID, so the
recipient's mail system can show it once; two different messages never share one."""

from pathlib import Path

import pytest
from django.core import mail

from core import mail as outbox
from core.models import OutboxMessage

pytestmark = pytest.mark.django_db
TEMPLATES_FOR_TESTS = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _sample_templates(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_FOR_TESTS]}]


def _recorded(to: str) -> OutboxMessage:
    return outbox.mail_send(to=to, template="tests/sample", context={"name": "A"}, language="en")


def test_a_resent_message_has_the_same_message_id_and_another_message_a_different_one(settings):
    settings.DEFAULT_FROM_EMAIL = "CSM <csm@quality.example.com>"
    first, second = _recorded("li.na@example.com"), _recorded("wang.wei@example.com")

    assert outbox.mail_deliver(message_id=first.pk)
    # The worker was killed after the relay took it: the sweeper puts the stalled row back to pending.
    OutboxMessage.objects.filter(pk=first.pk).update(status=OutboxMessage.Status.PENDING)
    first.refresh_from_db()
    assert outbox.mail_deliver(message_id=first.pk)
    assert outbox.mail_deliver(message_id=second.pk)

    ids = [m.message()["Message-ID"] for m in mail.outbox]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0] == outbox.message_id_header(first)
    assert ids[0].startswith("<") and ids[0].endswith(f".{first.pk}.csm@quality.example.com>")
