"""One complaint: the phone-call intake, the detail page and its workflow steps. Thin: forms in, services out."""

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import can, permission
from accounts.models import Team
from core.exceptions import ApplicationError
from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.models import Customer

from .. import selectors, services
from ..attachment_types import SAFE_MIME_TYPES
from ..forms import (
    AssignForm,
    AttachmentForm,
    CorrectiveActionForm,
    InlineCustomerForm,
    IntakeForm,
    NoteForm,
    RootCauseForm,
    TransitionForm,
    VerifyForm,
    worker_choices,
)
from ..models import Action, Complaint, ComplaintAttachment, CorrectiveAction, State
from ..services.actions import ROOT_CAUSE_CATEGORIES
from ..services.attachments import attachment_path
from ..workflow import actions_from

VIEW = "complaints.view_complaint"
ADD = "complaints.add_complaint"
CHANGE = "complaints.change_complaint"
# Steps that need more than a click: the detail page opens a small form for them.
NEEDS_TEXT = {
    Action.RESOLVE: "resolution",
    Action.REOPEN: "comment",
    Action.WITHDRAW: "reason",
    Action.REJECT: "reason",
    Action.CLOSE: "close_reason",
}


# -- intake -----------------------------------------------------------------------------------------


@permission(VIEW, ADD)
def complaint_create_view(request):
    """The phone-call screen (complaints:create)."""
    form = IntakeForm(request.POST or None, request.FILES or None)
    customer = None
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                files = [(f.name, f.read()) for f in data["files"]]
                for name, content in files:  # refuse a bad file before anything is recorded
                    services.attachment_check(name=name, content=content)
                with transaction.atomic():
                    complaint = services.complaint_open(
                        actor=request.user,
                        customer=data["customer"],
                        contact=data["contact"],
                        kind=data["kind"],
                        channel=data["channel"],
                        category=data["category"],
                        severity=data["severity"],
                        subject=data["subject"],
                        description=data["description"],
                        desired_remedy=data["desired_remedy"],
                        product_reference=data["product_reference"],
                        order_reference=data["order_reference"],
                        batch_reference=data["batch_reference"],
                    )
                    for name, content in files:
                        services.complaint_attachment_add(
                            actor=request.user, complaint=complaint, name=name, content=content
                        )
            except ApplicationError as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("%(reference)s recorded.") % {"reference": complaint.reference})
                return redirect(complaint)
        customer = Customer.objects.filter(pk=request.POST.get("customer") or None).first()
    elif request.GET.get("customer"):
        customer = (
            Customer.objects.filter(pk=request.GET["customer"]).first() if request.GET["customer"].isdigit() else None
        )
    return render(
        request,
        "complaints/intake.html",
        {
            "form": form,
            "customer": customer,
            "contacts": customer.contacts.all() if customer else [],
            "chosen_contact": request.POST.get("contact", ""),
            "customer_form": InlineCustomerForm(prefix="new") if can(request.user, "customers.add_customer") else None,
        },
    )


@permission(ADD)
def customer_search_view(request):
    """Search-as-you-type for the intake screen: name, code, phone, or a contact's name or phone."""
    query = request.GET.get("q", "").strip()
    results = customer_selectors.customer_search(query=query)
    return render(request, "complaints/_customer_results.html", {"results": results, "query": query})


@permission(ADD)
def customer_choose_view(request, pk: int):
    """The chosen customer, with their contacts, swapped into the intake form."""
    customer = get_object_or_404(Customer, pk=pk)
    return render(
        request,
        "complaints/_customer_chosen.html",
        {
            "customer": customer,
            "contacts": customer.contacts.all(),
            "open_count": customer.complaints.filter(
                state__in=[State.RECEIVED, State.ACKNOWLEDGED, State.ASSESSED, State.INVESTIGATING]
            ).count(),
        },
    )


@require_http_methods(["POST"])
@permission(ADD, "customers.add_customer")
def customer_inline_create_view(request):
    """A new customer from the phone-call screen, through the customers app's own service."""
    form = InlineCustomerForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            customer = customer_services.customer_create(
                actor=request.user, data={**form.cleaned_data, "owner": request.user}
            )
        except ValidationError as error:
            for field, errors in getattr(error, "message_dict", {"__all__": error.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            response = render(
                request, "complaints/_customer_chosen.html", {"customer": customer, "contacts": [], "created": True}
            )
            response["HX-Retarget"] = "#customer-picked"
            response["HX-Reswap"] = "innerHTML"
            return response
    return render(request, "complaints/_customer_new.html", {"customer_form": form}, status=422)


# -- the complaint ------------------------------------------------------------------------------------


@permission(VIEW)
def complaint_detail_view(request, pk: int):
    try:
        complaint = selectors.complaint_detail(pk=pk)
    except Complaint.DoesNotExist as error:
        raise Http404 from error
    can_change = can(request.user, CHANGE)
    steps = [(a, Action(a).label, NEEDS_TEXT.get(a, "")) for a in actions_from(complaint.state)]
    actions = list(selectors.complaint_actions(complaint=complaint))
    # The people list is shown twice (assignment, action owner): read once, when first rendered.
    workers = SimpleLazyObject(lambda: list(worker_choices()))
    lists = SimpleNamespace(workers=workers, teams=SimpleLazyObject(lambda: list(Team.objects.all())))
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "sla": selectors.sla_status(complaint),
            "events": selectors.complaint_events(complaint=complaint),
            "actions": actions,
            "needs_early_close": any(
                a.required_for_closing and a.status == CorrectiveAction.Status.DONE and a.result != "effective"
                for a in actions
            ),
            "escalations": complaint.escalations.select_related("rule"),
            "audit_events": selectors.complaint_audit_trail(complaint=complaint, limit=30),
            "can_change": can_change,
            "can_add_action": can(request.user, "complaints.add_correctiveaction"),
            "can_verify": can(request.user, "complaints.verify_correctiveaction"),
            "steps": steps if can_change else [],
            "transition_form": TransitionForm(initial={"state": complaint.state}),
            "assign_form": AssignForm(
                initial={"assignee": complaint.assignee_id, "team": complaint.team_id}, lists=lists
            ),
            "note_form": NoteForm(),
            "root_cause_form": RootCauseForm(
                initial={"category": complaint.root_cause_category}
                | {f"why{i + 1}": w for i, w in enumerate(complaint.five_whys or [])}
            ),
            "root_cause_label": ROOT_CAUSE_CATEGORIES.get(complaint.root_cause_category, ""),
            "action_form": CorrectiveActionForm(
                initial={"owner": complaint.assignee_id or request.user.pk}, workers=lambda: workers
            ),
            "verify_form": VerifyForm(),
            "attachments": complaint.attachments.all(),
            "attachment_form": AttachmentForm(),
            "can_attach": can(request.user, "complaints.add_complaintattachment"),
            "now": timezone.now(),
        },
    )


def _complaint_or_404(pk: int) -> Complaint:
    return get_object_or_404(Complaint.objects.select_related("customer", "contact"), pk=pk)


@require_http_methods(["POST"])
@permission(VIEW, CHANGE)
def complaint_transition_view(request, pk: int):
    complaint = _complaint_or_404(pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid step."))
        return redirect(complaint)
    if form.cleaned_data["state"] != complaint.state:
        messages.error(request, _("Someone else changed this complaint in the meantime. Look again and retry."))
        return redirect(complaint)
    data = form.cleaned_data
    try:
        services.complaint_transition(
            actor=request.user,
            complaint=complaint,
            action=data["action"],
            comment=data["comment"],
            resolution=data["resolution"],
            reason=data["reason"],
            close_reason=data["close_reason"],
            early_close_reason=data["early_close_reason"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Complaint is now %(state)s.") % {"state": complaint.get_state_display()})
    return redirect(complaint)


@require_http_methods(["POST"])
@permission(VIEW, CHANGE)
def complaint_assign_view(request, pk: int):
    complaint = _complaint_or_404(pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_assign(
                actor=request.user,
                complaint=complaint,
                assignee=form.cleaned_data["assignee"],
                team=form.cleaned_data["team"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Assignment saved."))
    else:
        messages.error(request, _("Choose a valid person and department."))
    return redirect(complaint)


@require_http_methods(["POST"])
@permission(VIEW, CHANGE)
def complaint_note_view(request, pk: int):
    complaint = _complaint_or_404(pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_note_add(actor=request.user, complaint=complaint, text=form.cleaned_data["text"])
        except ApplicationError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Write the note first."))
    return redirect(complaint)


@require_http_methods(["POST"])
@permission(VIEW, CHANGE)
def complaint_clock_view(request, pk: int):
    """Pause the SLA clock while waiting for the customer, or restart it."""
    complaint = _complaint_or_404(pk)
    try:
        if complaint.sla_paused_at is None:
            services.complaint_pause(actor=request.user, complaint=complaint, comment=request.POST.get("comment", ""))
            messages.success(request, _("Clock paused while waiting for the customer."))
        else:
            services.complaint_resume(actor=request.user, complaint=complaint, comment=request.POST.get("comment", ""))
            messages.success(request, _("Clock restarted; the due dates moved on."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(complaint)


@require_http_methods(["POST"])
@permission(VIEW, CHANGE)
def complaint_root_cause_view(request, pk: int):
    complaint = _complaint_or_404(pk)
    form = RootCauseForm(request.POST)
    if form.is_valid():
        try:
            services.root_cause_record(
                actor=request.user, complaint=complaint, category=form.cleaned_data["category"], whys=form.whys()
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Root cause saved."))
    else:
        messages.error(request, _("Choose a root cause category and give at least the first why."))
    return redirect(complaint)


@require_http_methods(["POST"])
@permission(VIEW, "complaints.add_correctiveaction")
def corrective_action_create_view(request):
    """A new action on the complaint named in the form (the URL carries no id: every `actions/<pk>/`
    route is about an action)."""
    complaint_id = request.POST.get("complaint", "")
    if not complaint_id.isdigit():
        raise Http404
    complaint = _complaint_or_404(int(complaint_id))
    form = CorrectiveActionForm(request.POST)
    if form.is_valid():
        try:
            services.corrective_action_add(actor=request.user, complaint=complaint, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Action added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(complaint)


@require_http_methods(["POST"])
@permission(VIEW, "complaints.change_correctiveaction")
def corrective_action_complete_view(request, pk: int):
    action = get_object_or_404(CorrectiveAction.objects.select_related("complaint"), pk=pk)
    try:
        services.corrective_action_complete(actor=request.user, action=action, note=request.POST.get("note", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Action done."))
    return redirect(action.complaint)


@require_http_methods(["POST"])
@permission(VIEW, "complaints.verify_correctiveaction")
def corrective_action_verify_view(request, pk: int):
    action = get_object_or_404(CorrectiveAction.objects.select_related("complaint"), pk=pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            services.corrective_action_verify(actor=request.user, action=action, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Effectiveness check recorded."))
    else:
        messages.error(request, _("Choose a result and record the evidence."))
    return redirect(action.complaint)


@require_http_methods(["POST"])
@permission(VIEW, "complaints.add_complaintattachment")
def attachment_upload_view(request, pk: int):
    complaint = _complaint_or_404(pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid() or not form.cleaned_data["files"]:
        messages.error(request, _("Choose one or more files."))
        return redirect(complaint)
    try:
        files = [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
        for name, content in files:  # refuse a bad file before any is written
            services.attachment_check(name=name, content=content)
        with transaction.atomic():
            for name, content in files:
                services.complaint_attachment_add(actor=request.user, complaint=complaint, name=name, content=content)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Attachments added."))
    return redirect(complaint)


@permission("complaints.view_complaintattachment")
def attachment_download_view(request, pk: int, attachment_pk: int):
    """Only through the complaint it belongs to: another complaint's attachment id is a 404. Always a
    download (never rendered by the browser), with the type its content showed and nosniff."""
    if not request.user.has_perm(VIEW):
        raise Http404
    attachment = get_object_or_404(ComplaintAttachment, pk=attachment_pk, complaint_id=pk)
    try:
        path = attachment_path(attachment)
        handle = path.open("rb")
    except (ApplicationError, OSError) as error:
        raise Http404 from error
    # The stored type, which its content showed; a row stored before the allow-list with any other
    # type (HTML, SVG) is sent as plain bytes, never as something the browser would render.
    content_type = attachment.content_type if attachment.content_type in SAFE_MIME_TYPES else "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@permission(VIEW)
def complaint_eight_d_view(request, pk: int):
    """The 8D report (D0-D8) of a complaint, for the customer: no internal notes. `?language=en` or
    `zh-hans` chooses the report's language; the page prints to PDF from the browser."""
    try:
        complaint = selectors.complaint_detail(pk=pk)
    except Complaint.DoesNotExist as error:
        raise Http404 from error
    language = request.GET.get("language")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language()
    actions = list(selectors.complaint_actions(complaint=complaint))
    by_kind = {kind: [a for a in actions if a.kind == kind] for kind in CorrectiveAction.Kind.values}
    with translation.override(language):
        return render(
            request,
            "complaints/eight_d.html",
            {
                "complaint": complaint,
                "containment": by_kind[CorrectiveAction.Kind.CONTAINMENT],
                "corrective": by_kind[CorrectiveAction.Kind.CORRECTIVE],
                "preventive": by_kind[CorrectiveAction.Kind.PREVENTIVE],
                "owners": sorted({str(a.owner) for a in actions} - {str(complaint.assignee)}),
                "root_cause_label": ROOT_CAUSE_CATEGORIES.get(complaint.root_cause_category, ""),
                "report_language": language,
                "other_language": "en" if language == "zh-hans" else "zh-hans",
            },
        )


@permission(VIEW)
def complaint_eight_d_pdf_view(request, pk: int):
    """The 8D report as a PDF download, in `?language=en` or `zh-hans` (default: the page's)."""
    from ..eight_d import eight_d_pdf

    complaint = get_object_or_404(
        Complaint.objects.select_related("customer", "assignee", "team", "category", "category__parent"), pk=pk
    )
    language = request.GET.get("language")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language()
    try:
        content = eight_d_pdf(complaint=complaint, language=language)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("complaints:eight_d", pk=pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="8D-{complaint.reference}-{language}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
