"""Customer pages: list, detail, create/edit, lifecycle, contacts, export. Thin: forms in, services out."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import can, permission
from core.exceptions import ApplicationError

from .. import selectors, services, timeline
from ..exporting import export_response
from ..filters import CustomerFilter
from ..forms import ContactForm, CustomerForm, LifecycleForm
from ..models import LIFECYCLE_TRANSITIONS, Contact, Customer, Lifecycle, Segment

VIEW = "customers.view_customer"


def _form_errors_from(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@permission(VIEW)
def customer_list_view(request):
    base = Customer.objects.select_related("owner")
    filterset = CustomerFilter(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    if not request.GET.get("ordering"):
        queryset = queryset.order_by("name_sort", "name", "id")
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset if filterset.is_bound else CustomerFilter(queryset=base),
        "page": page,
        "query": query.urlencode(),
        "segments": Segment.objects.only("id", "name"),
        "can_add": can(request.user, "customers.add_customer"),
        "can_import": can(request.user, "customers.import_customer"),
        "can_export": request.user.has_perm("customers.export_customer"),
    }
    template = "customers/_list_results.html" if request.htmx and not request.htmx.boosted else "customers/list.html"
    return render(request, template, context)


@permission("customers.export_customer")
def customer_export_view(request, file_format: str):
    if file_format not in ("csv", "xlsx"):
        raise Http404
    try:
        queryset = selectors.customer_list(filters=request.GET)
    except selectors.InvalidCriteria:
        queryset = Customer.objects.none()
    return export_response(
        queryset=queryset,
        file_format=file_format,
        actor=request.user,
        filters={k: request.GET.getlist(k) for k in request.GET},
    )


@permission(VIEW)
def customer_detail_view(request, pk: int):
    try:
        customer = selectors.customer_detail(pk=pk)
    except Customer.DoesNotExist as error:
        raise Http404 from error
    can_change = services.customer_can_change(user=request.user, customer=customer)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "timeline": timeline.customer_timeline(customer, viewer=request.user),
            "lifecycle_history": selectors.customer_lifecycle_history(customer=customer),
            "audit_events": selectors.customer_audit_trail(customer=customer, limit=20),
            "can_change": can_change,
            "can_delete": can(request.user, "customers.delete_customer"),
            "lifecycle_form": LifecycleForm(
                initial={"to_state": next(iter(LIFECYCLE_TRANSITIONS[customer.lifecycle]))}
            ),
            "next_states": [(s, Lifecycle(s).label) for s in sorted(LIFECYCLE_TRANSITIONS[customer.lifecycle])],
        },
    )


@permission(VIEW, "customers.add_customer")
def customer_create_view(request):
    form = CustomerForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "tags"}
        try:
            customer = services.customer_create(actor=request.user, data=data, tags=form.cleaned_data["tags"])
        except ValidationError as error:
            _form_errors_from(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "title": _("New customer")})


@permission(VIEW, "customers.change_customer")
def customer_update_view(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    if not services.customer_can_change(user=request.user, customer=customer):
        messages.error(request, _("Only the account manager or a manager can change this customer."))
        return redirect(customer)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "tags"}
        customer = Customer.objects.get(pk=pk)  # the form mutated its instance; the service diffs a fresh one
        try:
            services.customer_update(actor=request.user, customer=customer, data=data, tags=form.cleaned_data["tags"])
        except ValidationError as error:
            _form_errors_from(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "customer": customer, "title": _("Edit customer")})


@require_http_methods(["POST"])
@permission(VIEW, "customers.change_customer")
def customer_lifecycle_view(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    form = LifecycleForm(request.POST)
    if form.is_valid():
        try:
            services.customer_change_lifecycle(
                actor=request.user,
                customer=customer,
                to_state=form.cleaned_data["to_state"],
                reason=form.cleaned_data["reason"],
                reason_category=form.cleaned_data["reason_category"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Lifecycle changed to %(state)s.") % {"state": customer.get_lifecycle_display()}
            )
    else:
        messages.error(request, _("Choose a valid lifecycle state."))
    return redirect(customer)


@require_http_methods(["GET", "POST"])
@permission(VIEW, "customers.delete_customer")
def customer_delete_view(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    if request.method == "POST":
        try:
            services.customer_delete(actor=request.user, customer=customer)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect(customer)
        messages.success(request, _("Customer %(name)s deleted.") % {"name": customer.name})
        return redirect("customers:list")
    return render(
        request, "customers/confirm_delete.html", {"object": customer, "cancel_url": customer.get_absolute_url()}
    )


@permission(VIEW, "customers.add_contact")
def contact_create_view(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    if not services.customer_can_change(user=request.user, customer=customer):
        messages.error(request, _("Only the account manager or a manager can change this customer."))
        return redirect(customer)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_create(actor=request.user, customer=customer, data=dict(form.cleaned_data))
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("Contact added."))
            return redirect(customer)
    return render(
        request, "customers/contact_form.html", {"form": form, "customer": customer, "title": _("New contact")}
    )


@permission(VIEW, "customers.change_contact")
def contact_update_view(request, pk: int):
    contact = get_object_or_404(Contact.objects.select_related("customer"), pk=pk)
    customer = contact.customer
    if not services.customer_can_change(user=request.user, customer=customer):
        messages.error(request, _("Only the account manager or a manager can change this customer."))
        return redirect(customer)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        fresh = Contact.objects.select_related("customer").get(pk=pk)
        try:
            with transaction.atomic():
                services.contact_update(actor=request.user, contact=fresh, data=dict(form.cleaned_data))
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("Contact saved."))
            return redirect(customer)
    return render(
        request, "customers/contact_form.html", {"form": form, "customer": customer, "title": _("Edit contact")}
    )


@require_http_methods(["GET", "POST"])
@permission(VIEW, "customers.delete_contact")
def contact_delete_view(request, pk: int):
    contact = get_object_or_404(Contact.objects.select_related("customer"), pk=pk)
    customer = contact.customer
    if request.method == "POST":
        try:
            services.contact_delete(actor=request.user, contact=contact)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Contact deleted."))
        return redirect(customer)
    return render(
        request, "customers/confirm_delete.html", {"object": contact, "cancel_url": customer.get_absolute_url()}
    )
