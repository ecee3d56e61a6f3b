"""The evidence pack's manifest: written by the builder as the ZIP's last member, checked by
`manage.py verify_evidence`. Pure: no database, no Django.

manifest.json holds every other member's SHA-256 and size, and what the builder says about the pack
(generation time, who, parameters, software version, the audit chain's head). Checking a pack reads
every member again and calls each file intact, altered (its hash differs), missing (in the manifest,
not in the ZIP) or added (in the ZIP, not in the manifest).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
FORMAT = "csm-evidence-pack/1"
CHUNK = 1024 * 1024

INTACT = "intact"
ALTERED = "altered"
MISSING = "missing"
ADDED = "added"


class Digest:
    """SHA-256 and size of a member, taken as its chunks pass through `follow`."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0

    def follow(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self._hash.update(chunk)
            self.size += len(chunk)
            yield chunk

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def manifest_bytes(files: Iterable[tuple[str, Digest]], about: dict[str, Any]) -> bytes:
    """manifest.json: `about` (generation time, who, parameters, ...) and every file in pack order."""
    document = {
        "format": FORMAT,
        **about,
        "files": [{"path": path, "sha256": digest.sha256, "size": digest.size} for path, digest in files],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False, default=str).encode("utf-8")


@dataclass(frozen=True)
class Finding:
    path: str
    status: str  # INTACT, ALTERED, MISSING or ADDED
    expected: str = ""
    actual: str = ""


class ManifestError(Exception):
    """The pack has no readable manifest: nothing in it can be checked."""


def _sha256_of(archive: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with archive.open(name) as member:
        while chunk := member.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_read(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        document = json.loads(archive.read(MANIFEST_NAME))
    except KeyError:
        raise ManifestError(f"{MANIFEST_NAME} is missing") from None
    except (ValueError, RecursionError) as error:
        raise ManifestError(f"{MANIFEST_NAME} is not valid JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("files"), list):
        raise ManifestError(f"{MANIFEST_NAME} lists no files")
    return document


def pack_verify(path: str | Path) -> list[Finding]:
    """Every file of the pack at `path` against its manifest: the manifest's files in order, then the
    added ones. Raises ManifestError without a readable manifest, zipfile.BadZipFile for a non-ZIP."""
    with zipfile.ZipFile(path) as archive:
        document = manifest_read(archive)
        present = [info.filename for info in archive.infolist() if not info.is_dir()]
        listed = {}
        findings = []
        for entry in document["files"]:
            name, expected = str(entry.get("path", "")), str(entry.get("sha256", ""))
            listed[name] = expected
            if name not in present:
                findings.append(Finding(name, MISSING, expected))
                continue
            actual = _sha256_of(archive, name)
            findings.append(Finding(name, INTACT if actual == expected else ALTERED, expected, actual))
        for name in present:
            if name != MANIFEST_NAME and name not in listed:
                findings.append(Finding(name, ADDED, "", _sha256_of(archive, name)))
    return findings


def all_intact(findings: Iterable[Finding]) -> bool:
    return all(finding.status == INTACT for finding in findings)
