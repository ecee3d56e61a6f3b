"""What goes into the pack, in order: each member is a path, the step the progress shows, and a
function that yields the file's bytes when the builder gets to it (nothing is read before)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext_noop

from complaints.eight_d import eight_d_pdf
from complaints.models import Complaint
from core.exporting import csv_chunks, csv_chunks_and_xlsx, xlsx_write
from reports.registers import complaint_register_rows, corrective_action_rows, visit_rows
from surveys.exporting import export_rows
from surveys.scoring import draw_sample

from ..selectors import Scope, campaigns_run
from . import rows
from .context import PackContext
from .documents import document_html, document_pdf
from .index import index_document
from .method import method_document

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Member:
    path: str
    step: str
    chunks: Callable[[], Iterable[bytes]]


def _xlsx_chunks(table: Iterable[Iterable[Any]], sheet: str) -> Iterator[bytes]:
    with tempfile.TemporaryFile() as handle:
        xlsx_write(table, handle, sheet=sheet)
        handle.seek(0)
        while chunk := handle.read(CHUNK):
            yield chunk


def _table(context: PackContext, stem: str, step: str, table: Callable[[], Iterable[Iterable[Any]]]) -> list[Member]:
    """The same rows as CSV and as XLSX, pseudonymised when the pack is. The rows are read once: the
    CSV member writes the XLSX workbook to a temporary file as its rows go by, and the XLSX member,
    next in the ZIP, copies that file (reading the rows twice was a third of a large pack's time). An
    XLSX member asked for on its own reads the rows itself."""
    clean = context.pseudonymiser.rows
    sheet = stem.rsplit("/", 1)[-1]
    written: list[IO[bytes]] = []

    def csv() -> Iterator[bytes]:
        handle = tempfile.TemporaryFile()
        try:
            yield from csv_chunks_and_xlsx(clean(table()), handle, sheet=sheet)
        except BaseException:
            handle.close()
            raise
        written.append(handle)

    def xlsx() -> Iterator[bytes]:
        if not written:
            yield from _xlsx_chunks(clean(table()), sheet)
            return
        with written.pop() as handle:
            handle.seek(0)
            while chunk := handle.read(CHUNK):
                yield chunk

    return [Member(f"{stem}.csv", step, csv), Member(f"{stem}.xlsx", step, xlsx)]


def complaint_sample(scope: Scope, *, size: int, seed: int) -> list[int]:
    """The ids of the complaints whose 8D report goes into the pack: `random.Random(seed).sample` over the
    ordered ids of the complaints received in the period (surveys.scoring.draw_sample), so the same
    seed draws the same complaints again."""
    complaints = Complaint.objects.filter(received_at__gte=scope.start, received_at__lt=scope.end)
    customers = scope.customers()
    if customers is not None:
        complaints = complaints.filter(customer__in=customers.values("pk"))
    return draw_sample(list(complaints.order_by("pk").values_list("pk", flat=True)), size=size, seed=seed)


def _eight_d(context: PackContext, complaint_id: int) -> Iterator[bytes]:
    complaint = Complaint.objects.select_related("customer", "category", "team", "assignee").get(pk=complaint_id)
    # Every line the report prints goes through the pseudonymiser (descriptions, corrective actions,
    # owners), not only the complaint's own fields.
    yield eight_d_pdf(complaint=complaint, language=context.language, text_filter=context.pseudonymiser.text)


def _responses(context: PackContext) -> list[Member]:
    scope = context.scope
    customers = scope.customers()
    members = []
    for campaign in campaigns_run(scope, customers).select_related("questionnaire_version").order_by("pk"):

        def table(campaign=campaign):
            return export_rows(campaign, submitted_from=scope.start, submitted_before=scope.end, customers=customers)

        members += _table(
            context, f"surveys/responses/campaign-{campaign.pk}", gettext_noop("Raw survey responses"), table
        )
    return members


def pack_members(context: PackContext) -> list[Member]:
    """Every file of the pack but the manifest, index first."""
    scope, language = context.scope, context.language
    registers = {"since": scope.since, "until": scope.until, "customers": scope.customers(), "language": language}
    members: list[Member] = []

    def document(stem: str, step: str, build) -> None:
        members.append(Member(f"{stem}.html", step, lambda: [document_html(build())]))
        members.append(Member(f"{stem}.pdf", step, lambda: [document_pdf(build())]))

    document("index", gettext_noop("Writing the index"), lambda: index_document(context, [m.path for m in members]))
    document(
        "method",
        gettext_noop("Writing the measurement method"),
        lambda: method_document(scope, language=language, subtitle=context.subtitle),
    )
    members += _table(
        context, "surveys/measurement-plans", gettext_noop("Measurement plans"), lambda: rows.plan_rows(scope)
    )
    members += _table(
        context, "surveys/questionnaires", gettext_noop("Questionnaire versions"), lambda: rows.question_rows(scope)
    )
    members += _table(context, "surveys/campaigns", gettext_noop("Survey campaigns"), lambda: rows.campaign_rows(scope))
    members += _responses(context)
    members += _table(
        context,
        "complaints/register",
        gettext_noop("Writing the complaint register"),
        lambda: complaint_register_rows(**registers),
    )
    members += _table(
        context,
        "complaints/corrective-actions",
        gettext_noop("Writing the corrective actions"),
        lambda: corrective_action_rows(**registers),
    )
    sample = complaint_sample(scope, size=context.sample_size, seed=context.sample_seed)
    for complaint_id, reference in (
        Complaint.objects.filter(pk__in=sample).order_by("pk").values_list("pk", "reference")
    ):
        members.append(
            Member(
                f"complaints/8d/{reference}.pdf",
                gettext_noop("8D reports"),
                lambda pk=complaint_id: _eight_d(context, pk),
            )
        )
    members += _table(
        context, "visits/visits", gettext_noop("Writing the follow-up visits"), lambda: visit_rows(**registers)
    )
    members += _table(
        context, "feedback/feedback-records", gettext_noop("Feedback records"), lambda: rows.feedback_rows(scope)
    )
    members += _table(
        context,
        "reviews/measurement-reviews",
        gettext_noop("Measurement reviews"),
        lambda: rows.measurement_review_rows(scope),
    )
    members += _table(
        context,
        "reviews/management-reviews",
        gettext_noop("Management reviews"),
        lambda: rows.management_review_rows(scope),
    )
    clean = context.pseudonymiser.rows
    members.append(
        Member(
            "audit/audit-trail.csv",
            gettext_noop("Writing the audit-trail extract"),
            lambda: csv_chunks(clean(rows.audit_rows(scope, language=language))),
        )
    )
    members.append(
        Member(
            "audit/chain-status.json",
            gettext_noop("Writing the audit-trail extract"),
            lambda: [json.dumps(context.chain, ensure_ascii=False, indent=2).encode("utf-8")],
        )
    )
    members += _table(
        context,
        "objectives/objectives-and-reports",
        gettext_noop("Quality objectives and analysis reports"),
        lambda: rows.objective_rows(context.objectives),
    )
    return members
