"""manage.py evidence_pack builds the page's pack; manage.py verify_evidence checks one."""

import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evidence.models import EvidencePack

pytestmark = pytest.mark.django_db


def _verify(path, capsys):
    try:
        call_command("verify_evidence", str(path))
    except CommandError as error:
        return False, capsys.readouterr().out + str(error)
    return True, capsys.readouterr().out


def test_the_command_builds_the_pack_and_verify_finds_it_intact(
    world, period, tmp_path, private_media, quick_pdfs, capsys
):
    output = tmp_path / "PACK.zip"

    call_command(
        "evidence_pack",
        "--since", period.since.isoformat(),
        "--until", period.until.isoformat(),
        "--segment", str(world["segment"].pk),
        "--pseudonymise",
        "--language", "zh-hans",
        "--output", str(output),
    )  # fmt: skip

    pack = EvidencePack.objects.get()
    assert pack.status == "done" and pack.requested_by is None
    assert pack.parameters["segment"] == world["segment"].pk and pack.parameters["pseudonymise"] is True
    assert output.read_bytes() == (private_media / pack.file_path).read_bytes()
    capsys.readouterr()
    intact, text = _verify(output, capsys)
    assert intact, text
    assert "intact   index.html" in text


def test_verify_names_each_altered_missing_and_added_file_and_fails(
    world, period, tmp_path, private_media, quick_pdfs, capsys
):
    original = tmp_path / "PACK.zip"
    call_command("evidence_pack", "--since", period.since.isoformat(), "--until", period.until.isoformat(),
                 "--language", "en", "--output", str(original))  # fmt: skip
    tampered = tmp_path / "TAMPERED.zip"
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            if info.filename == "visits/visits.csv":
                continue
            content = source.read(info.filename)
            if info.filename == "complaints/register.csv":
                content = content.replace(b"Harbour", b"Hafen")
            target.writestr(info.filename, content)
        target.writestr("complaints/8d/extra.pdf", b"%PDF")
    capsys.readouterr()

    intact, text = _verify(tampered, capsys)

    assert not intact
    assert "altered  complaints/register.csv" in text
    assert "missing  visits/visits.csv" in text
    assert "added    complaints/8d/extra.pdf" in text
    assert "not as it was generated" in text


def test_the_command_refuses_a_period_that_ends_before_it_starts(tmp_path):
    with pytest.raises(CommandError, match="cannot end before it starts"):
        call_command("evidence_pack", "--since", "2026-03-31", "--until", "2026-01-01", "--language", "en",
                     "--output", str(tmp_path / "x.zip"))  # fmt: skip
