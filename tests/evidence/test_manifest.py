"""The manifest: written with every file's SHA-256, and a check that finds changed, added and
removed files (evidence.manifest is pure: these tests need no database)."""

import json
import zipfile

import pytest

from evidence.manifest import (
    ADDED,
    ALTERED,
    INTACT,
    MANIFEST_NAME,
    MISSING,
    Digest,
    ManifestError,
    all_intact,
    manifest_bytes,
    pack_verify,
)

FILES = {"index.html": b"<h1>Evidence</h1>", "complaints/register.csv": b"Reference\r\nC-1\r\n", "method.pdf": b"%PDF"}


def _pack(path, files=FILES, *, extra=None, without=(), changed=None):
    digests = []
    for name, content in files.items():
        digest = Digest()
        b"".join(digest.follow([content[:3], content[3:]]))
        digests.append((name, digest))
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            if name in without:
                continue
            archive.writestr(name, (changed or {}).get(name, content))
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
        archive.writestr(MANIFEST_NAME, manifest_bytes(digests, {"generated_by": "manager1"}))
    return path


def test_an_untouched_pack_is_intact(tmp_path):
    findings = pack_verify(_pack(tmp_path / "pack.zip"))

    assert [(f.path, f.status) for f in findings] == [(name, INTACT) for name in FILES]
    assert all_intact(findings)


def test_a_changed_an_added_and_a_removed_file_are_each_found(tmp_path):
    pack = _pack(
        tmp_path / "pack.zip",
        changed={"complaints/register.csv": b"Reference\r\nC-2\r\n"},
        without=("method.pdf",),
        extra={"complaints/8d/forged.pdf": b"%PDF forged"},
    )

    findings = {f.path: f.status for f in pack_verify(pack)}

    assert findings == {
        "index.html": INTACT,
        "complaints/register.csv": ALTERED,
        "method.pdf": MISSING,
        "complaints/8d/forged.pdf": ADDED,
    }
    assert not all_intact(pack_verify(pack))


def test_the_manifest_records_size_and_hash_of_what_passed_through():
    digest = Digest()
    assert b"".join(digest.follow([b"ab", b"c"])) == b"abc"

    document = json.loads(manifest_bytes([("a.txt", digest)], {"generated_by": "x"}))

    assert document["files"] == [
        {"path": "a.txt", "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "size": 3}
    ]
    assert document["generated_by"] == "x" and document["format"] == "csm-evidence-pack/1"


def test_a_pack_without_a_manifest_cannot_be_checked(tmp_path):
    path = tmp_path / "plain.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("index.html", b"x")

    with pytest.raises(ManifestError):
        pack_verify(path)
