"""Customer import pages: upload (with its check), the preview and progress page, the error report.

Thin: the form checks what can be checked without reading the file; customers.importing.batches does
the rest.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import can, permission
from core.exceptions import ApplicationError
from core.exporting import rows_file_response

from .. import selectors
from ..importing import batches
from ..importing.columns import IMPORT_COLUMNS
from ..importing.reading import CODECS, ENCODING_AUTO, ENCODING_GB18030, ENCODING_UTF8, encoding_label
from ..models import ImportBatch

IMPORT = "customers.import_customer"
# Managers, admins and auditors read every batch (what was imported, when, by whom, its errors).
VIEW_BATCH = "customers.view_importbatch"
ERRORS_SHOWN = 200


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV or XLSX; the first row holds the column headers."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt,text/csv"}),
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Text encoding (CSV only)"),
        choices=[
            (ENCODING_AUTO, gettext_lazy("Detect automatically")),
            (ENCODING_UTF8, "UTF-8"),
            (ENCODING_GB18030, gettext_lazy("GB18030 (GBK, from Chinese Excel)")),
        ],
        initial=ENCODING_AUTO,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Before anything reads the file: Django has only streamed it to a temporary file so far.
        if upload.size > settings.CUSTOMER_IMPORT_MAX_BYTES:
            raise forms.ValidationError(batches.file_too_large_message())
        return upload


@require_http_methods(["GET", "POST"])
@permission(VIEW_BATCH, IMPORT)
def import_upload_view(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batches.import_batch_preview(
                actor=request.user, upload=form.cleaned_data["file"], encoding=form.cleaned_data["encoding"]
            )
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            return redirect("customers:import_detail", pk=batch.pk)
    return render(
        request,
        "customers/import_upload.html",
        {
            "form": form,
            "can_import": can(request.user, IMPORT),
            "recent": selectors.import_batch_list_recent(user=request.user),
            "columns": IMPORT_COLUMNS,
            "max_rows": settings.CUSTOMER_IMPORT_MAX_ROWS,
            "max_megabytes": f"{settings.CUSTOMER_IMPORT_MAX_BYTES / 1024 / 1024:g}",
        },
    )


def _batch_or_404(request, pk: int) -> ImportBatch:
    try:
        return selectors.import_batch_get(user=request.user, pk=pk)
    except ImportBatch.DoesNotExist as error:
        raise Http404 from error


@require_http_methods(["GET", "POST"])
@permission(VIEW_BATCH, IMPORT)
def import_detail_view(request, pk: int):
    """GET: "checking", then the preview, then the progress (htmx polls this page while the batch is
    being checked or imported). POST: confirm the import."""
    batch = _batch_or_404(request, pk)
    if request.method == "POST":
        try:
            queued = batches.import_batch_confirm(actor=request.user, batch=batch)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            if not queued:
                messages.info(request, _("This import was already confirmed."))
        return redirect("customers:import_detail", pk=batch.pk)
    is_uploader = can(request.user, IMPORT) and batch.uploaded_by_id == request.user.pk
    rereadable = batch.status in (ImportBatch.Status.PREVIEWED, ImportBatch.Status.INVALID) and batch.stored_path
    return render(
        request,
        "customers/import_detail.html",
        {
            "batch": batch,
            "encoding": encoding_label(batch.encoding) if batch.encoding in CODECS.values() else "",
            "rereadings": (
                [(codec, encoding_label(codec)) for codec in batch.other_encodings]
                if is_uploader and rereadable
                else []
            ),
            "check_overdue": batches.check_is_overdue(batch),
            "can_confirm": is_uploader,
            "errors": batch.errors[:ERRORS_SHOWN],
            "errors_more": max(len(batch.errors) - ERRORS_SHOWN, 0),
            "Status": ImportBatch.Status,
        },
    )


@permission(VIEW_BATCH)
def import_errors_view(request, pk: int):
    """Every stored error as CSV (UTF-8 with a BOM, so Excel shows Chinese). The writer neutralises
    the cells: messages quote the file's own values, which may be formulas."""
    batch = _batch_or_404(request, pk)
    rows = [
        [_("Row"), _("Column"), _("Message")],
        *([error.get("row") or "", error.get("column"), error.get("message")] for error in batch.errors),
    ]
    return rows_file_response(rows, filename=f"import-{batch.pk}-errors.csv", file_format="csv")


@require_POST
@permission(VIEW_BATCH, IMPORT)
def import_encoding_view(request, pk: int):
    """Read a previewed or invalid CSV batch again in another text encoding (the page offers those
    that also decode the file); the check runs in the worker again."""
    batch = _batch_or_404(request, pk)
    try:
        batches.import_batch_reread(actor=request.user, batch=batch, encoding=request.POST.get("encoding", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("customers:import_detail", pk=batch.pk)
