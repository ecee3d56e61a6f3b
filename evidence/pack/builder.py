"""Writing the pack: the members of evidence.pack.contents streamed into a ZIP (stream-zip: each file
is compressed as its rows are read, so memory stays flat however large the period), each one's
SHA-256 and size taken on the way, and manifest.json (evidence.manifest) written last."""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_noop
from stream_zip import ZIP_64, stream_zip

from ..manifest import MANIFEST_NAME, Digest, manifest_bytes
from .contents import pack_members
from .context import PackContext

FILE_MODE = 0o600
Progress = Callable[[int, str], None]


@functools.cache
def software_version() -> dict[str, str]:
    """{"version": pyproject's version, "commit": the git commit, or "" where there is no repository}."""
    base = Path(settings.BASE_DIR)
    with open(base / "pyproject.toml", "rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    try:
        completed = subprocess.run(  # noqa: S603 - a fixed command, no user input
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=base,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        commit = completed.stdout.strip() if completed.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {"version": version, "commit": commit}


def _members(context: PackContext, progress: Progress) -> Iterator[tuple[Any, ...]]:
    members = pack_members(context)
    digests: list[tuple[str, Digest]] = []
    modified = context.generated_at
    for number, member in enumerate(members):
        progress(min(95, 5 + 90 * number // len(members)), member.step)
        digest = Digest()
        digests.append((member.path, digest))
        yield member.path, modified, FILE_MODE, ZIP_64, digest.follow(member.chunks())
    progress(97, gettext_noop("Writing the manifest"))
    # stream_zip asks for the next member only once the previous one is written: every digest is final.
    about = {
        "generated_at": context.generated_at.isoformat(timespec="seconds"),
        "generated_by": context.generated_by,
        "parameters": context.parameters,
        "software": context.software,
        "audit_chain": {
            "available": context.chain["available"],
            "verified": context.chain["verified"],
            "head": context.chain["head"] or None,
        },
    }
    yield MANIFEST_NAME, modified, FILE_MODE, ZIP_64, [manifest_bytes(digests, about)]


def pack_write(*, context: PackContext, target: Path, progress: Progress) -> tuple[str, int]:
    """Write the pack to `target` (through a temporary file beside it, renamed at the end) and return
    the ZIP's SHA-256 and size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with open(partial, "wb") as handle:
            for chunk in stream_zip(_members(context, progress)):
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return digest.hexdigest(), size
