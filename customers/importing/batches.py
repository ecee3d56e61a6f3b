"""The batch, the import's services: preview (upload), confirm, commit (the Celery task), purge. The
uploaded file lives in private storage between preview and commit."""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import require
from core.audit import audit_record
from core.context import Origin, origin
from core.db import statistics_refresh
from core.exceptions import ApplicationError
from core.models import AuditEvent

from ..models import Contact, Customer, ImportBatch
from ..tasks import customer_import_check_task, customer_import_commit_task
from .planning import rows_compare, table_check
from .reading import (
    CODECS,
    ENCODING_AUTO,
    Table,
    columns_locate,
    encoding_choice_check,
    file_format_check,
    other_encodings,
    table_read,
)
from .validating import ErrorLog, rows_clean
from .writing import plans_write

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

FILE_FOLDER = "imports"
STALE_AFTER = datetime.timedelta(hours=24)
# A load this large refreshes the planner statistics at the end (core.db.statistics_refresh).
ANALYZE_AFTER_ROWS = 1000
# The preview shows the header and the first rows as they were read, so a wrong encoding is seen.
SAMPLE_ROWS, SAMPLE_COLUMNS, SAMPLE_CELL_LENGTH = 4, 6, 40
# A check still running this long after its hard time limit had its worker killed.
CHECK_GRACE_SECONDS = 60


def _require_importer(actor: User) -> None:
    require(actor, "customers.import_customer", _("You are not allowed to import customers."))


def _language_of(actor: User) -> str:
    return getattr(actor, "preferred_language", None) or settings.LANGUAGE_CODE


def _sample(table: Table) -> list[list[str]]:
    rows = [table.header, *(cells for _number, cells in table.rows[: SAMPLE_ROWS - 1])]
    return [[cell[:SAMPLE_CELL_LENGTH] for cell in cells[:SAMPLE_COLUMNS]] for cells in rows]


def _file_path(stored_path: str) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / stored_path


def _file_store(content: bytes, file_format: str) -> str:
    """Store the upload under a random name (the user's file name never reaches the disk), readable
    by this process's user only."""
    stored_path = f"{FILE_FOLDER}/{uuid.uuid4().hex}.{file_format}"
    path = _file_path(stored_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=False)
    path.write_bytes(content)
    return stored_path


def _file_delete(stored_path: str) -> None:
    if stored_path:
        _file_path(stored_path).unlink(missing_ok=True)


def import_batch_preview(*, actor: User, upload: UploadedFile, encoding: str = ENCODING_AUTO) -> ImportBatch:
    """Store an uploaded file as a CHECKING batch and have the worker check it (import_batch_check):
    reading, validating and comparing a large file takes longer than a request may.

    Preconditions: the actor may import. Raises ApplicationError, and stores nothing, for what can be
    told without reading the rows: too large, empty, an old .xls, an XLSX that unpacks to too much, a
    UTF-8 file with GB18030 chosen.
    """
    _require_importer(actor)
    if upload.size is None or upload.size > settings.CUSTOMER_IMPORT_MAX_BYTES:
        raise ApplicationError(file_too_large_message())
    if encoding not in (ENCODING_AUTO, *CODECS):
        raise ApplicationError(_("Choose a text encoding from the list."))
    content = upload.read()
    file_format = file_format_check(content)
    encoding_choice_check(content=content, encoding=encoding)
    stored_path = _file_store(content, file_format)
    try:
        batch = ImportBatch.objects.create(
            uploaded_by=actor,
            original_name=(upload.name or "")[:255],
            stored_path=stored_path,
            file_format=file_format,
            encoding=encoding if file_format == "csv" else "",
            status=ImportBatch.Status.CHECKING,
        )
    except BaseException:
        _file_delete(stored_path)
        raise
    transaction.on_commit(lambda: customer_import_check_task.delay(batch.pk))
    return batch


def import_batch_check(*, batch_id: int) -> ImportBatch | None:
    """Check a CHECKING batch (the Celery task): read the stored file in the batch's encoding, validate
    every row, compare it with the database, and record the outcome: PREVIEWED, or INVALID with the
    row errors or the message that refuses the whole file. Writes nothing in the customer master.
    Idempotent by state: a batch that is no longer CHECKING is left alone."""
    batch = ImportBatch.objects.select_related("uploaded_by").filter(pk=batch_id).first()
    if batch is None or batch.status != ImportBatch.Status.CHECKING:
        return batch
    actor = batch.uploaded_by
    with translation.override(_language_of(actor)):
        try:
            content = _file_path(batch.stored_path).read_bytes()
        except OSError:
            import_batch_check_fail(batch_id=batch.pk, message=_file_gone_message)
            return batch
        values: dict[str, Any] = {
            **dict.fromkeys(("row_count", "created_count", "updated_count", "unchanged_count", "contact_count"), 0),
            **{"sample": [], "other_encodings": [], "errors": [], "failure": ""},
        }
        try:
            table = table_read(content=content, encoding=batch.encoding or ENCODING_AUTO)
            values.update(encoding=table.encoding, sample=_sample(table))
            if table.file_format == "csv":
                values["other_encodings"] = other_encodings(content=content, codec=table.encoding)
            check = table_check(table, actor=actor)
        except ApplicationError as error:
            values.update(status=ImportBatch.Status.INVALID, failure=error.message)
            if batch.file_format == "csv" and not values["sample"]:  # not readable as the user chose
                values["other_encodings"] = other_encodings(content=content, codec=CODECS.get(batch.encoding, ""))
        else:
            values.update(
                status=ImportBatch.Status.PREVIEWED if not check.errors else ImportBatch.Status.INVALID,
                row_count=check.row_count,
                created_count=check.counts.created,
                updated_count=check.counts.updated,
                unchanged_count=check.counts.unchanged,
                contact_count=check.counts.contacts_written,
                errors=check.errors,
            )
        # An invalid file that cannot be read another way is of no more use: do not keep it.
        file_dropped = values["status"] == ImportBatch.Status.INVALID and not values["other_encodings"]
        if file_dropped:
            values["stored_path"] = ""
        updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.CHECKING).update(
            **values, updated_at=timezone.now()
        )
        if updated and file_dropped:
            _file_delete(batch.stored_path)
    batch.refresh_from_db()
    return batch


def import_batch_check_fail(*, batch_id: int, message: Callable[[], str]) -> None:
    """A check that could not finish (out of time or memory, a fault): INVALID with the message (in
    the uploader's language), and the file is deleted. Nothing was written."""
    batch = ImportBatch.objects.select_related("uploaded_by").filter(pk=batch_id).first()
    if batch is None or batch.status != ImportBatch.Status.CHECKING:
        return
    with translation.override(_language_of(batch.uploaded_by)):
        failure = message()
    if ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.CHECKING).update(
        status=ImportBatch.Status.INVALID,
        failure=failure,
        stored_path="",
        other_encodings=[],
        updated_at=timezone.now(),
    ):
        _file_delete(batch.stored_path)


def check_overdue_message() -> str:
    return _(
        "Checking the file took longer than allowed and was stopped. Nothing was written. "
        "Split the file into smaller files and upload them again."
    )


def check_out_of_memory_message() -> str:
    return _(
        "Checking the file needed more memory than allowed and was stopped. Nothing was written. "
        "Split the file into smaller files and upload them again."
    )


def check_failed_message() -> str:
    return _("The file could not be checked because of a fault on our side. Nothing was written. Try again later.")


def _file_gone_message() -> str:
    return _("The uploaded file is no longer available. Upload it again.")


def check_is_overdue(batch: ImportBatch, *, now: datetime.datetime | None = None) -> bool:
    """A check still CHECKING past the task's hard time limit: its worker was killed."""
    limit = datetime.timedelta(seconds=settings.CUSTOMER_IMPORT_CHECK_HARD_SECONDS + CHECK_GRACE_SECONDS)
    return batch.status == ImportBatch.Status.CHECKING and batch.updated_at < (now or timezone.now()) - limit


def import_batch_reread(*, actor: User, batch: ImportBatch, encoding: str) -> None:
    """Check a previewed or invalid CSV batch again, read in another text encoding that also decodes it
    (a GBK file whose bytes happen to be valid UTF-8 is garbled by detection). Not once confirmed, nor
    while a check runs. Audited. Raises ApplicationError, changing nothing, when it may not."""
    _require_importer(actor)
    if batch.uploaded_by_id != actor.pk:
        raise ApplicationError(_("Only the person who uploaded the file can choose how it is read."))
    _reread_allowed(batch.status)
    if encoding not in batch.other_encodings:
        raise ApplicationError(_("The file cannot be read in this encoding."))
    with transaction.atomic():
        # A conditional UPDATE on the state the page showed: a double click or a second tab finds the
        # batch CHECKING (or confirmed) and changes nothing.
        changed = ImportBatch.objects.filter(pk=batch.pk, status=batch.status, encoding=batch.encoding).update(
            status=ImportBatch.Status.CHECKING, encoding=encoding, other_encodings=[], updated_at=timezone.now()
        )
        if changed:
            audit_record(
                actor=actor,
                action=AuditEvent.Action.UPDATE,
                instance=batch,
                changes={"encoding": [batch.encoding, encoding], "status": [batch.status, ImportBatch.Status.CHECKING]},
                comment=batch.original_name,
            )
            transaction.on_commit(lambda: customer_import_check_task.delay(batch.pk))
            return
    _reread_allowed(ImportBatch.objects.values_list("status", flat=True).get(pk=batch.pk))
    raise ApplicationError(_("The file is being checked again; wait for the preview."))


def _reread_allowed(status: str) -> None:
    if status == ImportBatch.Status.CHECKING:
        raise ApplicationError(_("The file is being checked again; wait for the preview."))
    if status not in (ImportBatch.Status.PREVIEWED, ImportBatch.Status.INVALID):
        raise ApplicationError(_("This file can no longer be read again: its import was already confirmed."))


def file_too_large_message() -> str:
    return _("The file is larger than %(max)s MB. Split it into smaller files.") % {
        "max": f"{settings.CUSTOMER_IMPORT_MAX_BYTES / 1024 / 1024:g}"
    }


def import_batch_confirm(*, actor: User, batch: ImportBatch) -> bool:
    """Queue a previewed batch for import. True when this call queued it; False when it was already
    queued or done (a double click, a second tab), which is not an error."""
    _require_importer(actor)
    if batch.uploaded_by_id != actor.pk:
        raise ApplicationError(_("Only the person who uploaded the file can confirm its import."))
    with transaction.atomic():
        # A conditional UPDATE rather than a read-then-write: it is the guard on SQLite (no row locks),
        # and on PostgreSQL the second of two concurrent confirms updates nothing.
        queued = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEWED).update(
            status=ImportBatch.Status.QUEUED, updated_at=timezone.now()
        )
        if queued:
            audit_record(
                actor=actor,
                action=AuditEvent.Action.TRANSITION,
                instance=batch,
                changes={"status": [ImportBatch.Status.PREVIEWED, ImportBatch.Status.QUEUED]},
                comment=batch.original_name,
            )
            transaction.on_commit(lambda: customer_import_commit_task.delay(batch.pk))
    if not queued and batch.status == ImportBatch.Status.INVALID:
        raise ApplicationError(_("This file has errors; fix them and upload it again."))
    return bool(queued)


def import_batch_commit(*, batch_id: int) -> ImportBatch | None:
    """Import a QUEUED batch, all or nothing, and mark it DONE or FAILED. Safe to run twice: a batch
    that is no longer QUEUED is left alone. Returns the batch, or None when there is none."""
    batch = ImportBatch.objects.select_related("uploaded_by").filter(pk=batch_id).first()
    if batch is None or batch.status != ImportBatch.Status.QUEUED:
        return batch
    actor = batch.uploaded_by
    with (
        translation.override(_language_of(actor)),
        origin(Origin(source="import")),
    ):
        try:
            _batch_commit(batch, actor)
        # Whatever went wrong, the transaction rolled back; the user needs to know, and retrying a
        # file that failed validation or a constraint would fail the same way.
        except Exception as error:  # noqa: BLE001
            logger.exception("customer import %s failed", batch.pk)
            _batch_fail(batch, _("The import failed and nothing was written: %(error)s") % {"error": error})
    batch.refresh_from_db()
    if batch.status == ImportBatch.Status.DONE:
        _file_delete(batch.stored_path)  # the data is in the database now; do not keep a copy on disk
        if batch.created_count + batch.updated_count + batch.contact_count >= ANALYZE_AFTER_ROWS:
            statistics_refresh(Customer, Contact)
    return batch


class _CommitRefused(Exception):
    def __init__(self, message: str, errors: list[dict[str, Any]]):
        super().__init__(message)
        self.message, self.errors = message, errors


def _batch_commit(batch: ImportBatch, actor: User) -> None:
    try:
        content = _file_path(batch.stored_path).read_bytes()
    except OSError:
        _batch_fail(batch, _("The uploaded file is no longer available. Upload it again."))
        return
    # Reading and checking each cell needs no database, so it runs before the write lock is taken.
    table = table_read(content=content, encoding=batch.encoding or ENCODING_AUTO)
    columns = columns_locate(table.header)
    log = ErrorLog(table.header, columns)
    rows = rows_clean(table, columns, log)
    now = timezone.now()
    try:
        with transaction.atomic():
            # Claim the batch: on PostgreSQL this row lock makes a second delivery of the task wait,
            # then find the batch no longer QUEUED; SQLite's IMMEDIATE transactions serialise anyway.
            if not ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.QUEUED).update(updated_at=now):
                return
            # Compared with the database inside the transaction, so the plan cannot be stale.
            check = rows_compare(table, actor=actor, log=log, rows=rows, now=now)
            if check.errors:
                raise _CommitRefused(
                    _(
                        "The customers changed since the file was checked; %(count)s rows now have errors. "
                        "Nothing was imported: export again or fix the file, and upload it again."
                    )
                    % {"count": len(log.bad_rows)},
                    check.errors,
                )
            plans_write(
                check.plans, actor=actor, now=now, comment=f"customer import #{batch.pk}: {batch.original_name}"[:500]
            )
            done = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.QUEUED).update(
                status=ImportBatch.Status.DONE,
                row_count=check.row_count,
                created_count=check.counts.created,
                updated_count=check.counts.updated,
                unchanged_count=check.counts.unchanged,
                contact_count=check.counts.contacts_written,
                finished_at=timezone.now(),
                updated_at=timezone.now(),
            )
            if not done:
                raise RuntimeError("The import batch left the QUEUED state during its commit.")
    except _CommitRefused as refused:
        _batch_fail(batch, refused.message, errors=refused.errors)


def _batch_fail(batch: ImportBatch, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
    values: dict[str, Any] = {
        "status": ImportBatch.Status.FAILED,
        "failure": message,
        "finished_at": timezone.now(),
        "updated_at": timezone.now(),
    }
    if errors is not None:
        values["errors"] = errors
    ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.QUEUED).update(**values)


def import_batches_purge_stale(*, now: datetime.datetime | None = None) -> int:
    """Delete batches older than a day that were never imported, with their files (customer data
    should not linger on disk), after failing the checks whose worker was killed (past their hard
    time limit). Returns how many batches were deleted."""
    now = now or timezone.now()
    for batch in ImportBatch.objects.filter(status=ImportBatch.Status.CHECKING).only("pk", "status", "updated_at"):
        if check_is_overdue(batch, now=now):
            import_batch_check_fail(batch_id=batch.pk, message=check_overdue_message)
    cutoff = now - STALE_AFTER
    stale = ImportBatch.objects.filter(created_at__lt=cutoff).exclude(status=ImportBatch.Status.DONE)
    count = 0
    for pk, stored_path in stale.values_list("pk", "stored_path"):
        _file_delete(stored_path)
        count += ImportBatch.objects.filter(pk=pk).delete()[0]
    return count
