"""What the system writes into an audit entry (its actor, comment and source) is a code, shown in the
reader's language at display time: the trail is append-only and chained, so nothing in it is ever
rewritten, and an entry written in one language must read right in the other.

Codes are plain text for the trail's readers without this module (the raw export for machines keeps
them as written). A comment that is no code (a person's note, a file name) is shown as written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.apps import apps
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .references import reference_split

SYSTEM_ACTOR = "system"

SOURCES = {
    "web": _("web"),
    "api": _("API"),
    "system": _("system"),
}

COMMENTS = {
    "survey link": _("through the personal survey link"),
    "survey open link": _("through the open survey link"),
    "survey opt-out link": _("opted out through the survey link"),
    "end date reached": _("closed at its end date"),
    "closed loop": _("low score followed up (closed loop)"),
    "dimension retired": _("dimension retired"),
    "dimension brought back": _("dimension brought back"),
    "generated": _("generated"),
    "downloaded": _("downloaded"),
    "requested": _("requested"),
    "admin": _("in the administration"),
    "outside the application": _("outside the application (directly in the database)"),
}


def _responses_reached(match: re.Match) -> str:
    count = int(match["count"])
    return ngettext("closed after %(count)s response", "closed after %(count)s responses", count) % {"count": count}


def _plan(match: re.Match) -> str:
    return gettext("Scheduled by the plan %(plan)s") % {"plan": match["plan"]}


@functools.lru_cache(maxsize=256)
def _record_name(model_name: str, _language: str | None) -> str | None:
    for model in apps.get_models():
        if model._meta.model_name == model_name:
            return str(model._meta.verbose_name)
    return None


def _reference(comment: str) -> str | None:
    """A trigger's reference (core.references, "complaint:42") in words, or None if it is none."""
    parts = reference_split(comment)
    name = _record_name(parts[0], get_language()) if parts else None
    if name is None:
        return None
    return gettext("triggered by %(record)s no. %(pk)s") % {"record": name, "pk": parts[1]}


PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"(?P<count>\d+) responses reached"), _responses_reached),
    (re.compile(r"copy of version (?P<number>\d+)"), lambda m: gettext("copy of version %(number)s") % m.groupdict()),
    (
        re.compile(r"customer import #(?P<batch>\d+): (?P<file>.*)", re.S),
        lambda m: gettext("customer import no. %(batch)s: %(file)s") % m.groupdict(),
    ),
    # The schedule's code, and the sentences older entries hold (written in the worker's language).
    (re.compile(r"scheduled by plan: (?P<plan>.*)", re.S), _plan),
    (re.compile(r"Scheduled by the plan (?P<plan>.*)", re.S), _plan),
    (re.compile(r"由回访计划 (?P<plan>.*) 安排", re.S), _plan),
]


def comment_display(comment: str) -> str:
    """An entry's comment in the active language: a system code in words, anything else as written."""
    if not comment:
        return ""
    if comment in COMMENTS:
        return str(COMMENTS[comment])
    for pattern, words in PATTERNS:
        match = pattern.fullmatch(comment)
        if match:
            return words(match)
    return _reference(comment) or comment


def actor_display(actor_id: int | None, actor_name: str) -> str:
    """Who made the change: the user's name at the time, or the system in the reader's language."""
    if actor_id is None and actor_name in ("", SYSTEM_ACTOR):
        return gettext("system")
    return actor_name


def source_display(source: str) -> str:
    return str(SOURCES[source]) if source in SOURCES else source
