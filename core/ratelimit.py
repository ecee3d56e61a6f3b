"""Per-client failure counters in the shared cache: the guessing limits of the public token pages
(survey links, complaint status links).

The counters live in the default cache (Redis in the Compose stack, so every web process counts
together; local memory on the embedded default, which runs one web process). A key counts the
failures of one client (core.middleware.client_ip) for one purpose within a fixed window that
starts at the first failure; successes are never counted, so a valid link keeps working for
everyone else and a client that stops guessing is let in again when the window ends.
"""

from __future__ import annotations

from django.core.cache import cache


def _key(scope: str, client: str | None) -> str:
    return f"{scope}:{client or 'unknown'}"


def failures_exceeded(*, scope: str, client: str | None, limit: int) -> bool:
    """True once this client has failed `limit` times within the current window."""
    return (cache.get(_key(scope, client)) or 0) >= limit


def failure_count(*, scope: str, client: str | None, window_seconds: int) -> int:
    """Count one failure of this client; returns the count so far in the window."""
    key = _key(scope, client)
    if cache.add(key, 1, window_seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window_seconds)
        return 1
