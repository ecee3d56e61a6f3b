"""Where a change comes from: the request's user, address and client, for the audit trail.

Services take the actor explicitly; the address and client are set once per request (or task) by
RequestContextMiddleware so that no service signature has to carry HTTP details.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    ip_address: str | None = None
    user_agent: str = ""
    source: str = ""


_current_origin: contextvars.ContextVar[Origin] = contextvars.ContextVar("csm_origin", default=Origin())  # noqa: B039 - Origin is frozen


def current_origin() -> Origin:
    return _current_origin.get()


@contextlib.contextmanager
def origin(value: Origin):
    token = _current_origin.set(value)
    try:
        yield value
    finally:
        _current_origin.reset(token)
