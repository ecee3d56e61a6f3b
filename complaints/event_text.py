"""What a system line of a complaint's timeline says, worked out when it is read, in the reader's
language.

A system line stores a message code and its parameters (ComplaintEvent.message, .parameters), never
a sentence: a line written by the night's escalation sweep (in the server's language) or in one
person's session reads in English on an English page and in Chinese on a Chinese one. Data the
line quotes (a rule's names, people, an action's text) are kept as they are; names stored in both
languages keep both (`rule_en`, `rule_zh`). What a person typed stays in ComplaintEvent.comment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from core.i18n import localised

from .models import Channel, ComplaintEvent, CorrectiveAction


class Message:
    """The message codes; a new one needs its renderer in RENDERERS."""

    RECEIVED = "received"
    ESCALATION = "escalation"
    ACTION_ADDED = "action_added"
    ACTION_DONE = "action_done"
    ACTION_VERIFIED = "action_verified"
    RATED = "rated"
    REOPENED_BY_RATING = "reopened_by_rating"
    ACKNOWLEDGEMENT_SENT = "acknowledgement_sent"
    CLOSED_UNANSWERED = "closed_unanswered"
    ASSIGNED = "assigned"


def _choice_label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def _received(parameters: dict) -> str:
    return _choice_label(Channel, parameters.get("channel", ""))


def _escalation(parameters: dict) -> str:
    rule = localised(parameters.get("rule_en", ""), parameters.get("rule_zh", ""))
    return f"{rule} → {parameters.get('notified') or '—'}"


def _action_done(parameters: dict) -> str:
    return _("Done: %(action)s") % {"action": parameters.get("action", "")}


def _action_verified(parameters: dict) -> str:
    result = _choice_label(CorrectiveAction.Result, parameters.get("result", ""))
    return _("Effectiveness checked: %(result)s") % {"result": result}


def _rated(parameters: dict) -> str:
    text = _("Customer rated the handling %(rating)d of 5. %(comment)s")
    return (text % {"rating": int(parameters.get("rating") or 0), "comment": parameters.get("comment", "")}).strip()


def _reopened_by_rating(parameters: dict) -> str:
    return _("Reopened: the customer rated the handling %(rating)d of 5.") % {
        "rating": int(parameters.get("rating") or 0)
    }


def _assigned(parameters: dict) -> str:
    return ", ".join(name for name in (parameters.get("assignee"), parameters.get("team")) if name) or _("Unassigned")


RENDERERS: dict[str, Callable[[dict], str]] = {
    Message.RECEIVED: _received,
    Message.ESCALATION: _escalation,
    Message.ACTION_ADDED: lambda parameters: parameters.get("action", ""),
    Message.ACTION_DONE: _action_done,
    Message.ACTION_VERIFIED: _action_verified,
    Message.RATED: _rated,
    Message.REOPENED_BY_RATING: _reopened_by_rating,
    Message.ACKNOWLEDGEMENT_SENT: lambda parameters: parameters.get("email", ""),
    Message.CLOSED_UNANSWERED: lambda parameters: _("Closed automatically: no answer from the customer."),
    Message.ASSIGNED: _assigned,
}


def event_text(event: ComplaintEvent) -> str:
    """The line's text in the active language: the system message, then what a person wrote."""
    renderer = RENDERERS.get(event.message)
    text = renderer(event.parameters or {}) if renderer is not None else ""
    return "\n".join(part for part in (text, event.comment) if part)
