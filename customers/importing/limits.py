"""A memory bound for the import's check in a worker process: the address space it may add."""

from __future__ import annotations

import contextlib
import os
import resource
from collections.abc import Iterator


def _address_space_now() -> int:
    with open("/proc/self/statm") as statm:  # the first figure: the process's size, in pages
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


@contextlib.contextmanager
def address_space_limited(extra_bytes: int, *, enabled: bool = True) -> Iterator[None]:
    """Lower the soft RLIMIT_AS to the process's present size plus `extra_bytes` for the block, so an
    allocation past it raises MemoryError in this process instead of the machine swapping or the
    kernel killing some other one; the previous limit is restored after. Linux only (elsewhere, and
    with `enabled` False, it does nothing). It binds the whole process: use it in a worker child,
    which runs one task at a time, never in a process that serves others meanwhile."""
    if not enabled or not os.path.exists("/proc/self/statm"):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space_now() + extra_bytes
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY and soft <= limit:
        yield  # already tighter
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
