"""The customer page's "Privacy requests": a copy of the data, and erasure with a typed reason.
Managers and administrators only: staff and auditors are refused by the permission (403)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import permission
from core.exceptions import ApplicationError
from customers.models import Contact, Customer

from . import selectors, services
from .exporting import export_filename, subject_export_chunks
from .forms import ErasureForm
from .selectors import Subject

EXPORT = services.EXPORT_PERMISSION
ERASE = services.ERASE_PERMISSION


def _customer_subject(pk: int) -> Subject:
    try:
        return selectors.subject_of_customer(pk=pk)
    except Customer.DoesNotExist as error:
        raise Http404 from error


def _contact_subject(pk: int) -> Subject:
    try:
        return selectors.subject_of_contact(pk=pk)
    except Contact.DoesNotExist as error:
        raise Http404 from error


@permission(EXPORT)
def customer_privacy_view(request, pk: int):
    subject = _customer_subject(pk)
    customer = subject.customer
    contacts = [
        (contact, selectors.subject_erasure(Subject("contact", customer, contact))) for contact in subject.contacts
    ]
    return render(
        request,
        "privacy/customer.html",
        {
            "customer": customer,
            "erasure": selectors.subject_erasure(subject),
            "contacts": contacts,
            "requests": selectors.customer_requests(customer=customer)[:50],
            "can_erase": request.user.has_perm(ERASE),
        },
    )


def _export(request, subject: Subject):
    try:
        services.subject_export_record(actor=request.user, subject=subject)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("privacy:customer", pk=subject.customer.pk)
    chunks = subject_export_chunks(
        subject, language=translation.get_language() or "zh-hans", exported_by=request.user.get_username()
    )
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(subject)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@permission(EXPORT, EXPORT)
def customer_export_view(request, pk: int):
    return _export(request, _customer_subject(pk))


@require_POST
@permission(EXPORT, EXPORT)
def contact_export_view(request, pk: int):
    return _export(request, _contact_subject(pk))


def _erase(request, subject: Subject):
    erasure = selectors.subject_erasure(subject)
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and erasure is None and form.is_valid():
        try:
            result = services.subject_erase(actor=request.user, subject=subject, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            if result.already_erased:
                messages.info(request, _("This was already erased; nothing was changed."))
            else:
                messages.success(
                    request, _("Erased: the records now read %(pseudonym)s.") % {"pseudonym": result.request.pseudonym}
                )
            return redirect("privacy:customer", pk=subject.customer.pk)
    return render(
        request,
        "privacy/erase_confirm.html",
        {
            "subject": subject,
            "form": form,
            "erasure": erasure,
            "pseudonym": services.pseudonym_for(subject.kind, subject.pk),
            "counts": {
                "complaints": selectors.subject_complaints(subject).count(),
                "responses": selectors.subject_responses(subject).count(),
                "visits": selectors.subject_visits(subject).count(),
                "feedback": selectors.subject_feedback(subject).count(),
            },
        },
    )


@permission(ERASE, ERASE)
def customer_erase_view(request, pk: int):
    return _erase(request, _customer_subject(pk))


@permission(ERASE, ERASE)
def contact_erase_view(request, pk: int):
    return _erase(request, _contact_subject(pk))
