"""Visit pages: My visits, detail, record (phone form), reschedule, cancel, issue -> complaint.

Thin: the object is looked up among the visits the user may see (404 otherwise), the service
decides whether the user may change it.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import can, permission
from core.exceptions import ApplicationError
from customers import selectors as customer_selectors

from .. import selectors, services
from ..forms import CancelForm, RescheduleForm, ScopeForm, VisitCreateForm, VisitIssueFormSet, VisitRecordForm
from ..models import Visit

VIEW = "visits.view_visit"
CHANGE = "visits.change_visit"


def _visible_visit(request, pk: int) -> Visit:
    try:
        return selectors.visit_detail(user=request.user, pk=pk)
    except Visit.DoesNotExist as error:
        raise Http404 from error


def scoped_visits(request):
    """The visits "My visits" and the calendar show: the user's own; managers may switch."""
    visible = selectors.visits_visible_to(user=request.user)
    form = ScopeForm(request.GET or None)
    can_switch = request.user.has_perm("visits.view_all_visits")
    mine = visible.filter(assignee=request.user)
    if not can_switch or not form.is_valid():
        return mine, form, can_switch
    who = form.cleaned_data["who"]
    if who == "all":
        return visible, form, can_switch
    if who == "team" and form.cleaned_data["team"]:
        team = form.cleaned_data["team"]
        return visible.filter(assignee__in=team.members.all()), form, can_switch
    if who == "person" and form.cleaned_data["person"]:
        return visible.filter(assignee=form.cleaned_data["person"]), form, can_switch
    return mine, form, can_switch


@permission(VIEW)
def my_visits_view(request):
    scoped, scope_form, can_switch = scoped_visits(request)
    today = timezone.localdate()
    sections = selectors.my_visits(visible=scoped, today=today)
    return render(
        request,
        "visits/my_visits.html",
        {
            "today": today,
            "overdue": sections["overdue"],
            "due_today": sections["today"],
            "this_week": sections["week"],
            "scope_form": scope_form,
            "can_switch": can_switch,
            "query": request.GET.urlencode(),
        },
    )


@permission(VIEW, "visits.add_visit")
def visit_create_view(request):
    """Plan a visit by hand, e.g. from the customer page (?customer=<pk>)."""
    form = VisitCreateForm(request.POST or None, user=request.user, initial={"customer": request.GET.get("customer")})
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Visit planned."))
            return redirect(visit)
    chosen = form.chosen_customer()
    return render(
        request,
        "visits/create.html",
        {"form": form, "chosen": chosen, "results": [chosen] if chosen else [], "query": ""},
    )


@permission(VIEW, "visits.add_visit")
def visit_customer_search_view(request):
    """The customer picker of "Plan a visit": the customers matching what was typed, as choices."""
    query = request.GET.get("q", "")
    results = customer_selectors.customer_search(query=query)
    form = VisitCreateForm(initial={"customer": request.GET.get("customer", "")}, user=request.user)
    chosen = form.chosen_customer()  # kept as the first choice while another search runs
    if chosen is not None and chosen not in results:
        results.insert(0, chosen)
    return render(
        request, "visits/_customer_options.html", {"results": results, "query": query.strip(), "chosen": chosen}
    )


@permission(VIEW)
def visit_detail_view(request, pk: int):
    visit = _visible_visit(request, pk)
    can_change = services.visit_can_change(user=request.user, visit=visit)
    issues = list(visit.issues.all())
    for issue in issues:
        issue.complaint = next(iter(issue.complaints.all()), None)
    return render(
        request,
        "visits/detail.html",
        {
            "visit": visit,
            "issues": issues,
            "can_change": can_change,
            "can_record": can_change and visit.status == Visit.Status.PLANNED,
            "can_open_complaint": can(request.user, "complaints.add_complaint"),
            "audit_events": selectors.visit_audit_trail(visit=visit),
        },
    )


@permission(VIEW, CHANGE)
def visit_record_view(request, pk: int):
    visit = _visible_visit(request, pk)
    if not services.visit_can_change(user=request.user, visit=visit) or visit.status != Visit.Status.PLANNED:
        messages.error(request, _("This visit cannot be recorded by you now."))
        return redirect(visit)
    form = VisitRecordForm(request.POST or None, visit=visit)
    issues = VisitIssueFormSet(request.POST or None, prefix="issues")
    if request.method == "POST" and form.is_valid() and issues.is_valid():
        try:
            services.visit_record(
                actor=request.user,
                visit=visit,
                visited_on=form.cleaned_data["visited_on"],
                summary=form.cleaned_data["summary"],
                contact_ids=[c.pk for c in form.cleaned_data["contacts"]],
                scores=form.scores(),
                issues=[f.cleaned_data for f in issues.forms if f.cleaned_data.get("description", "").strip()],
                next_steps=form.cleaned_data["next_steps"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Visit recorded."))
            return redirect(visit)
    return render(request, "visits/record.html", {"visit": visit, "form": form, "issues": issues})


def _reason_view(request, pk: int, *, form_class, action, title: str, button: str, done: str):
    visit = _visible_visit(request, pk)
    if not services.visit_can_change(user=request.user, visit=visit) or visit.status != Visit.Status.PLANNED:
        messages.error(request, _("Only a planned visit you may change can be rescheduled or cancelled."))
        return redirect(visit)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(visit, form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect(visit)
    return render(request, "visits/reason_form.html", {"visit": visit, "form": form, "title": title, "button": button})


@permission(VIEW, CHANGE)
def visit_reschedule_view(request, pk: int):
    return _reason_view(
        request,
        pk,
        form_class=RescheduleForm,
        action=lambda visit, data: services.visit_reschedule(
            actor=request.user, visit=visit, due_date=data["due_date"], reason=data["reason"]
        ),
        title=_("Reschedule the visit"),
        button=_("Reschedule"),
        done=_("Visit rescheduled."),
    )


@permission(VIEW, CHANGE)
def visit_cancel_view(request, pk: int):
    return _reason_view(
        request,
        pk,
        form_class=CancelForm,
        action=lambda visit, data: services.visit_cancel(actor=request.user, visit=visit, reason=data["reason"]),
        title=_("Cancel the visit"),
        button=_("Cancel the visit"),
        done=_("Visit cancelled."),
    )
