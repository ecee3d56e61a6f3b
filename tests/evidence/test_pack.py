"""The pack for a seeded data set: every section, counts that match the database, the sample drawn
from its seed, neutralised spreadsheets, idempotent builds and recorded failures."""

import csv
import hashlib
import io
import json
import random
import zipfile

import pytest
from django.db.models import Q
from openpyxl import load_workbook

from complaints.models import Complaint, CorrectiveAction
from core.models import AuditEvent
from evidence import services
from evidence.manifest import MANIFEST_NAME, pack_verify
from evidence.models import EvidencePack
from evidence.pack.contents import complaint_sample
from feedback.models import FeedbackRecord
from tests.evidence.conftest import FORMULA, build, unzip

pytestmark = pytest.mark.django_db


def _csv(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_the_pack_holds_every_section_and_its_counts_match_the_database(
    world, period, manager_user, private_media, tmp_path
):
    pack = build(manager_user, period, sample_size=3)
    sample = complaint_sample(period, size=3, seed=pack.parameters["sample_seed"])

    assert pack.status == EvidencePack.Status.DONE and pack.progress == 100, pack.error
    files = unzip(pack, tmp_path / "pack")
    campaign = world["campaign"]
    assert set(files) == {
        "index.html",
        "index.pdf",
        "method.html",
        "method.pdf",
        *[
            f"{stem}.{ext}"
            for ext in ("csv", "xlsx")
            for stem in (
                "surveys/measurement-plans",
                "surveys/questionnaires",
                "surveys/campaigns",
                f"surveys/responses/campaign-{campaign.pk}",
                "complaints/register",
                "complaints/corrective-actions",
                "visits/visits",
                "feedback/feedback-records",
                "reviews/measurement-reviews",
                "reviews/management-reviews",
                "objectives/objectives-and-reports",
            )
        ],
        *[f"complaints/8d/{c.reference}.pdf" for c in Complaint.objects.filter(pk__in=sample)],
        "audit/audit-trail.csv",
        "audit/chain-status.json",
        MANIFEST_NAME,
    }
    in_period = Q(received_at__gte=period.start, received_at__lt=period.end)
    assert len(_csv(files["complaints/register.csv"])) - 1 == Complaint.objects.filter(in_period).count() == 6
    assert len(_csv(files["complaints/corrective-actions.csv"])) - 1 == CorrectiveAction.objects.count() == 2
    assert len(_csv(files["visits/visits.csv"])) - 1 == 2
    assert len(_csv(files[f"surveys/responses/campaign-{campaign.pk}.csv"])) - 1 == campaign.responses.count() == 2
    campaigns = _csv(files["surveys/campaigns.csv"])
    assert len(campaigns) == 2 and campaigns[1][0] == "Quarterly satisfaction"
    assert campaigns[1][10:12] == [str(campaign.invitations.count()), "2"]  # invited, responses
    assert len(_csv(files["feedback/feedback-records.csv"])) == 2
    assert len(_csv(files["reviews/measurement-reviews.csv"])) == 2
    assert len(_csv(files["reviews/management-reviews.csv"])) == 2
    questions = _csv(files["surveys/questionnaires.csv"])
    assert len(questions) - 1 == campaign.questionnaire_version.questions.count()
    audit = _csv(files["audit/audit-trail.csv"])
    events = AuditEvent.objects.filter(at__gte=period.start, at__lt=period.end).exclude(comment="generated")
    assert sorted(int(row[0]) for row in audit[1:]) == sorted(events.values_list("pk", flat=True))
    assert json.loads(files["audit/chain-status.json"].read_text())["available"] is False
    workbook = load_workbook(files["complaints/register.xlsx"], read_only=True)
    assert sum(1 for _ in workbook.active.iter_rows()) == 7
    method = files["method.html"].read_text()
    assert "How customer satisfaction is measured" in method and "Σ(weight × score)" in method
    assert "PROMOTER_MIN" not in method and "answers 9–10" in method
    index = files["index.html"].read_text()
    for name in files:
        assert f'href="{name}"' in index, name
    assert "Corrective actions done without an effectiveness check: 1." in index
    assert files["index.pdf"].read_bytes().startswith(b"%PDF") and files["method.pdf"].read_bytes().startswith(b"%PDF")


def test_the_manifest_lists_every_file_with_its_hash_and_the_facts_of_the_pack(
    world, period, manager_user, private_media, tmp_path, quick_pdfs
):
    pack = build(manager_user, period)
    files = unzip(pack, tmp_path / "pack")

    manifest = json.loads(files[MANIFEST_NAME].read_text())
    with zipfile.ZipFile(services.evidence_pack_path(pack)) as archive:
        assert archive.namelist()[-1] == MANIFEST_NAME
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(files) - {MANIFEST_NAME}
    for name, entry in listed.items():
        content = files[name].read_bytes()
        assert entry == {"path": name, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
    assert manifest["generated_by"] == "manager1"
    assert manifest["parameters"] == pack.parameters and "sample_seed" in manifest["parameters"]
    assert manifest["software"]["version"] == "0.1.0"
    assert manifest["audit_chain"] == {"available": False, "verified": None, "head": None}
    assert {finding.status for finding in pack_verify(services.evidence_pack_path(pack))} == {"intact"}
    assert pack.sha256 == hashlib.sha256(services.evidence_pack_path(pack).read_bytes()).hexdigest()


def test_formula_cells_are_neutralised_in_the_packs_spreadsheets(
    world, period, manager_user, private_media, tmp_path, quick_pdfs
):
    FeedbackRecord.objects.update(summary=FORMULA)  # text a person typed, starting with "="

    files = unzip(build(manager_user, period), tmp_path / "pack")

    assert _csv(files["feedback/feedback-records.csv"])[1][6] == "'" + FORMULA
    cell = load_workbook(files["feedback/feedback-records.xlsx"]).active.cell(row=2, column=7)
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix


def test_the_sample_is_drawn_again_from_its_seed(world, period):
    ids = sorted(Complaint.objects.values_list("pk", flat=True))

    first = complaint_sample(period, size=3, seed=20261203)

    assert first == complaint_sample(period, size=3, seed=20261203)
    assert first == sorted(random.Random(20261203).sample(ids, 3))
    assert complaint_sample(period, size=10, seed=1) == ids  # a sample larger than the period is all of it


def test_the_packs_8d_reports_are_the_sample_of_its_recorded_seed(
    world, period, manager_user, private_media, tmp_path, quick_pdfs
):
    pack = build(manager_user, period, sample_size=3, seed=77)

    reports = {name for name in unzip(pack, tmp_path / "pack") if name.startswith("complaints/8d/")}

    sample = complaint_sample(period, size=3, seed=77)
    assert pack.parameters["sample_seed"] == 77
    assert reports == {
        f"complaints/8d/{ref}.pdf"
        for ref in Complaint.objects.filter(pk__in=sample).values_list("reference", flat=True)
    }


def test_a_pack_already_built_is_not_built_again(world, period, manager_user, private_media, quick_pdfs, monkeypatch):
    pack = build(manager_user, period)
    monkeypatch.setattr("evidence.services.pack_write", lambda **kwargs: pytest.fail("built twice"))

    again = services.evidence_pack_build(pack_id=pack.pk)

    assert again.status == EvidencePack.Status.DONE and again.sha256 == pack.sha256
    assert AuditEvent.objects.for_object(pack).filter(comment="generated").count() == 1


def test_a_failed_build_records_the_error_and_the_status_and_is_not_retried(
    manager_user, period, private_media, monkeypatch
):
    def broken(**kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr("evidence.services.pack_write", broken)

    pack = build(manager_user, period)

    assert pack.status == EvidencePack.Status.FAILED
    assert pack.error == "OSError: No space left on device" and pack.finished_at is not None
    assert services.evidence_pack_build(pack_id=pack.pk).status == EvidencePack.Status.FAILED
    assert not list(private_media.rglob("*.zip"))


def test_requesting_a_pack_builds_it_after_commit_and_records_it(
    manager_user, period, private_media, quick_pdfs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pack = services.evidence_pack_request(
            actor=manager_user, since=period.since, until=period.until, language="zh-hans"
        )

    pack.refresh_from_db()
    assert pack.status == EvidencePack.Status.DONE
    events = AuditEvent.objects.for_object(pack)
    assert {(e.action, e.comment) for e in events} == {("create", ""), ("export", "generated")}
    index = zipfile.ZipFile(services.evidence_pack_path(pack)).read("index.html").decode()
    assert "证据包" in index and "本期未开展调查。" in index


def test_objectives_are_written_with_targets_and_results_as_numbers(tmp_path):
    from decimal import Decimal

    from core.exporting import xlsx_write
    from evidence.pack.rows import objective_rows
    from evidence.sources import ObjectiveOrReport

    item = ObjectiveOrReport(
        kind="objective",
        title="Customer satisfaction rate",
        period="2026-07-01 – 2026-09-30",
        target="≥ 90.00",
        result="70.70 (Not met)",
        met=False,
        url="/reports/objectives/1/",
        direction="At least",
        target_value=Decimal("90.00"),
        actual=Decimal("70.7"),
        status="Not met",
    )
    path = tmp_path / "objectives.xlsx"
    with open(path, "wb") as handle:
        xlsx_write(objective_rows([item]), handle)

    header, row = load_workbook(path, read_only=True).active.iter_rows(values_only=True)
    assert header[3:7] == ("Direction", "Target", "Result", "Status")
    assert row[3:8] == ("At least", 90, 70.7, "Not met", "No")
    assert isinstance(row[5], float)  # a number a pivot table can sum, not the text "70.7"


def test_each_tables_xlsx_holds_the_same_rows_as_its_csv_read_once(
    world, period, manager_user, private_media, tmp_path, monkeypatch
):
    from evidence.pack import contents

    reads = []
    real = contents.complaint_register_rows
    monkeypatch.setattr(contents, "complaint_register_rows", lambda **kw: reads.append(1) or real(**kw))
    pack = build(manager_user, period, sample_size=1)
    files = unzip(pack, tmp_path / "pack")

    assert reads == [1]  # one pass wrote both files
    for name in [n for n in files if n.endswith(".xlsx")]:
        from_csv = _csv(files[name.removesuffix(".xlsx") + ".csv"])
        sheet = load_workbook(files[name], read_only=True).active
        from_xlsx = list(sheet.iter_rows(values_only=True))
        assert len(from_xlsx) == len(from_csv) > 0, name
        for cells, texts in zip(from_xlsx, from_csv, strict=True):
            # Text cells read the same; numbers and dates are typed in XLSX.
            assert [c for c in cells if isinstance(c, str)] == [
                t.removeprefix("'") for c, t in zip(cells, texts, strict=False) if isinstance(c, str)
            ], name
