"""Pages: the evidence page (period, scope, clause map), evidence packs (request, progress, download)
and the review records (measurement reviews, management reviews)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import permission, request_permission
from core.editing import form_errors_add
from core.exceptions import ApplicationError

from . import services
from .clauses import clause_map
from .forms import ManagementReviewForm, MeasurementReviewForm, PackForm, ScopeForm
from .models import ChainVerification, EvidencePack, ManagementReview, MeasurementReview
from .selectors import Scope, evidence_counts, last_quarter

VIEW_PACKS = "evidence.view_evidencepack"
REQUEST_PACKS = "evidence.add_evidencepack"
RECENT_PACKS = 10


def _scope_of(form: ScopeForm) -> Scope:
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return Scope(since=data["since"], until=data["until"], segment=data["segment"])
    since, until = last_quarter()
    return Scope(since=since, until=until)


def _evidence_page(request, scope_form: ScopeForm, pack_form: PackForm | None = None, status: int = 200):
    scope = _scope_of(scope_form)
    if pack_form is None:
        pack_form = PackForm(
            initial={"since": scope.since, "until": scope.until, "segment": scope.segment, "language": get_language()}
        )
    counts = evidence_counts(scope)
    context = {
        "scope": scope,
        "scope_form": scope_form,
        "pack_form": pack_form,
        "clauses": clause_map(scope, counts),
        "packs": EvidencePack.objects.select_related("requested_by")[:RECENT_PACKS],
        "can_request": services.evidence_pack_can_request(user=request.user),
        "last_quarter": last_quarter(),
    }
    return render(request, "evidence/home.html", context, status=status)


@permission(VIEW_PACKS)
def evidence_view(request):
    """GET ?since=&until=&segment=: the clause map of the period (by default the last quarter)."""
    since, until = last_quarter()
    data = request.GET if "since" in request.GET else None
    form = ScopeForm(data, initial={"since": since, "until": until})
    return _evidence_page(request, form, status=200 if data is None or form.is_valid() else 400)


@require_POST
@request_permission(REQUEST_PACKS)
def pack_create_view(request):
    form = PackForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            pack = services.evidence_pack_request(
                actor=request.user,
                since=data["since"],
                until=data["until"],
                segment=data["segment"],
                pseudonymise=data["pseudonymise"],
                language=data["language"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return redirect(pack)
    return _evidence_page(request, ScopeForm(), form, status=400)


@permission(VIEW_PACKS)
def pack_detail_view(request, pk: int):
    pack = get_object_or_404(EvidencePack.objects.select_related("requested_by"), pk=pk)
    return render(request, "evidence/pack_detail.html", {"pack": pack})


@permission(VIEW_PACKS)
def pack_progress_view(request, pk: int):
    """The progress fragment the pack page polls (htmx) until the pack is ready or failed."""
    pack = get_object_or_404(EvidencePack, pk=pk)
    return render(request, "evidence/includes/pack_progress.html", {"pack": pack})


@permission(VIEW_PACKS)
def pack_download_view(request, pk: int):
    pack = get_object_or_404(EvidencePack, pk=pk)
    try:
        path = services.evidence_pack_download(actor=request.user, pack=pack)
    except ApplicationError:
        raise Http404("No file for this pack.") from None
    return FileResponse(open(path, "rb"), as_attachment=True, filename=pack.file_name, content_type="application/zip")


# -- audit chain verification ----------------------------------------------------------------------------


@permission(services.VERIFY_PERMISSION)
def chain_verification_view(request):
    """The last verification of the audit chain with its time, the one running now, and a button to
    start one (the verification runs in a task, never in the request)."""
    finished, active = services.chain_verification_latest()
    return render(
        request,
        "evidence/chain_verification.html",
        {
            "finished": finished,
            "active": active,
            "can_start": services.chain_verification_can_start(user=request.user),
        },
    )


@require_POST
@request_permission(services.VERIFY_PERMISSION)
def chain_verification_start_view(request):
    if request.POST.get("start") != "1":
        return HttpResponseBadRequest(_("Use the button on the verification page to start a verification."))
    try:
        services.chain_verification_request(actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The verification has started; this page shows its result when it is done."))
    return redirect("evidence:chain_verification")


@permission(services.VERIFY_PERMISSION)
def chain_verification_progress_view(request, pk: int):
    """The fragment the page polls (htmx) while a verification runs."""
    verification = get_object_or_404(ChainVerification, pk=pk)
    response = render(request, "evidence/includes/chain_progress.html", {"verification": verification})
    if not verification.is_active:
        response["HX-Refresh"] = "true"  # finished: the page reloads and shows the result
    return response


# -- review records --------------------------------------------------------------------------------------

REVIEWS = {
    "measurement": {
        "model": MeasurementReview,
        "form": MeasurementReviewForm,
        "list": "evidence:measurement_review_list",
        "create": "evidence:measurement_review_create",
        "columns": ("reviewed_on", "reviewed_by", "conclusion", "next_review_due"),
    },
    "management": {
        "model": ManagementReview,
        "form": ManagementReviewForm,
        "list": "evidence:management_review_list",
        "create": "evidence:management_review_create",
        "columns": ("held_on", "chair", "satisfaction_input_taken", "decisions"),
    },
}


def _review_list(request, kind: str):
    spec = REVIEWS[kind]
    model = spec["model"]
    return render(
        request,
        "evidence/review_list.html",
        {
            "kind": kind,
            "spec": spec,
            "title": model._meta.verbose_name_plural,
            "headers": [model._meta.get_field(name).verbose_name for name in spec["columns"]],
            "reviews": model.objects.all()[:200],
            "can_add": services.review_can_change(user=request.user, model=model),
        },
    )


def _review_form(request, kind: str, pk: int | None = None):
    spec = REVIEWS[kind]
    model = spec["model"]
    review = get_object_or_404(model, pk=pk) if pk else None
    can_change = services.review_can_change(user=request.user, model=model)
    form = spec["form"](request.POST or None, instance=model.objects.get(pk=pk) if pk else None)
    if not can_change:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            if review is None:
                services.review_create(actor=request.user, model=model, data=form.cleaned_data)
            else:
                services.review_update(actor=request.user, review=review, data=form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Review saved."))
            return redirect(spec["list"])
    title = str(review) if review else _("New %(kind)s") % {"kind": model._meta.verbose_name}
    return render(
        request,
        "evidence/review_form.html",
        {"form": form, "spec": spec, "title": title, "can_change": can_change, "review": review},
    )


@permission("evidence.view_measurementreview")
def measurement_review_list_view(request):
    return _review_list(request, "measurement")


@permission("evidence.view_measurementreview", "evidence.add_measurementreview")
def measurement_review_create_view(request):
    return _review_form(request, "measurement")


@permission("evidence.view_measurementreview", "evidence.change_measurementreview")
def measurement_review_update_view(request, pk: int):
    return _review_form(request, "measurement", pk)


@permission("evidence.view_managementreview")
def management_review_list_view(request):
    return _review_list(request, "management")


@permission("evidence.view_managementreview", "evidence.add_managementreview")
def management_review_create_view(request):
    return _review_form(request, "management")


@permission("evidence.view_managementreview", "evidence.change_managementreview")
def management_review_update_view(request, pk: int):
    return _review_form(request, "management", pk)
