"""The complaint list's filters: one definition for the queue pages and the API."""

from __future__ import annotations

import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import Team
from core import widgets
from core.forms import model_choices_read_once
from customers.models import Segment

from .models import OPEN_STATES, QUEUE_ROLES, Channel, Complaint, ComplaintCategory, Escalation, Kind, Severity, State

SEGMENT_LABEL = _("Customer segment")


def assignee_choices(request=None):
    return get_user_model().objects.filter(is_active=True, groups__name__in=QUEUE_ROLES).distinct()


def end_of_week(now: datetime.datetime) -> datetime.datetime:
    """Sunday 24:00 local time of the week containing `now`."""
    local = timezone.localtime(now)
    monday = local.date() - datetime.timedelta(days=local.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday + datetime.timedelta(days=7), datetime.time.min))


class ComplaintFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    queue = django_filters.ChoiceFilter(
        label=_("Queue"),
        choices=[("mine", _("My queue")), ("team", _("My team's queue")), ("escalated", _("Escalated"))],
        empty_label=_("All complaints"),
        method="filter_queue",
        widget=widgets.Select,
    )
    state = django_filters.MultipleChoiceFilter(
        label=_("State"), choices=State.choices, distinct=False, widget=widgets.SelectMultiple
    )
    open = django_filters.ChoiceFilter(
        label=_("Open or finished"),
        choices=[("true", _("Open")), ("false", _("Finished"))],
        empty_label=_("All"),
        method="filter_open",
        widget=widgets.Select,
    )
    severity = django_filters.MultipleChoiceFilter(
        label=_("Severity"), choices=Severity.choices, distinct=False, widget=widgets.SelectMultiple
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=ComplaintCategory.objects.select_related("parent"),
        method="filter_category",
        empty_label=_("All"),
        widget=widgets.Select,
    )
    kind = django_filters.ChoiceFilter(
        label=_("Type"), choices=Kind.choices, empty_label=_("All"), widget=widgets.Select
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=Channel.choices, empty_label=_("All"), widget=widgets.Select
    )
    segment = django_filters.ModelChoiceFilter(
        label=SEGMENT_LABEL,
        queryset=Segment.objects.all(),
        method="filter_segment",
        empty_label=_("All"),
        widget=widgets.Select,
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assigned to"), queryset=assignee_choices, empty_label=_("All"), widget=widgets.Select
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Department"), queryset=Team.objects.all(), empty_label=_("All"), widget=widgets.Select
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue"),
        choices=[("true", _("Overdue only"))],
        empty_label=_("All"),
        method="filter_overdue",
        widget=widgets.Select,
    )
    due_this_week = django_filters.ChoiceFilter(
        label=_("Due this week"),
        choices=[("true", _("Due this week only"))],
        empty_label=_("All"),
        method="filter_due_this_week",
        widget=widgets.Select,
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Due date, soonest first"),
        fields=(("resolve_due_at", "resolve_due_at"), ("received_at", "received_at"), ("severity", "severity")),
        field_labels={
            "resolve_due_at": _("Resolution due"),
            "received_at": _("Received"),
            "severity": _("Severity"),
        },
    )
    # django-filter labels the descending choices with this message; our catalogue translates it.
    _descending_label = gettext_noop("%s (descending)")

    class Meta:
        model = Complaint
        fields: list[str] = []

    def __init__(self, *args, now: datetime.datetime | None = None, lists=None, **kwargs):
        """`lists`: the page's lists already read (complaints.selectors.QueuePageLists), if any."""
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.lists = lists

    @property
    def form(self):
        built = hasattr(self, "_form")
        form = super().form
        if not built:
            # Set on the form's own field, in the reader's language: the filter's field (and its
            # English "(descending)" labels) may have been built and cached before this request.
            form.fields["ordering"].choices = [
                ("", _("Due date, soonest first")),
                ("resolve_due_at", _("Due date, soonest first")),
                ("-resolve_due_at", _("Due date, latest first")),
                ("-received_at", _("Newest first")),
                ("received_at", _("Oldest first")),
            ]
            # The sidebar's lists (categories, segments, people, departments): one plain query each,
            # or the page's, shared with the bulk-assignment bar and the rows.
            lists = self.lists
            shown = None
            if lists is not None:
                shown = {
                    "category": lambda: lists.categories,
                    "assignee": lambda: lists.assignees,
                    "team": lambda: lists.teams,
                }
            model_choices_read_once(form, shown)
        return form

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__iexact=value)
            | Q(subject__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(customer__code__iexact=value)
            | Q(product_reference__iexact=value)
            | Q(order_reference__iexact=value)
            | Q(batch_reference__iexact=value)
        )

    def filter_queue(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value == "mine" and user is not None:
            return queryset.filter(assignee=user)
        if value == "team" and user is not None:
            return queryset.filter(team__in=user.teams.all())
        if value == "escalated":
            # Escalated in the current cycle: the complaint's reopen count is among its escalations'
            # cycles. Written as a correlated IN rather than EXISTS: PostgreSQL turns an EXISTS into a
            # hash semi-join that reads every escalation ever made (55k at 200k complaints) to count a
            # few thousand open complaints (~20 ms), while the correlated IN stays a per-row probe of
            # the (complaint, rule, cycle) index that stops at the count's limit (~5 ms). No join, no
            # duplicate rows, no DISTINCT.
            cycles = Escalation.objects.filter(complaint=OuterRef("pk")).values("cycle")
            return queryset.filter(reopen_count__in=Subquery(cycles))
        return queryset

    def filter_open(self, queryset, name, value):
        if value == "true":
            return queryset.filter(state__in=OPEN_STATES)
        if value == "false":
            return queryset.exclude(state__in=OPEN_STATES)
        return queryset

    def filter_category(self, queryset, name, value):
        # An IN list rather than an OR across the parent join, so the (category, state, ...) index serves it.
        children = ComplaintCategory.objects.filter(parent=value).values_list("pk", flat=True)
        return queryset.filter(category_id__in=[value.pk, *children])

    # The value is a Segment, given by its id: say so for the API schema, which cannot find "segment"
    # among the complaint's fields (an override replaces the label, so it is given again).
    @extend_schema_field({**build_basic_type(OpenApiTypes.INT), "description": SEGMENT_LABEL})
    def filter_segment(self, queryset, name, value):
        from customers.selectors import segment_customers

        return queryset.filter(customer__in=segment_customers(segment=value).values("pk"))

    def filter_overdue(self, queryset, name, value):
        if value != "true":
            return queryset
        # state__in outside the OR (received is an open state) so the partial open-queue index applies.
        return queryset.filter(
            Q(resolve_due_at__lt=self.now) | Q(state=State.RECEIVED, acknowledge_due_at__lt=self.now),
            state__in=OPEN_STATES,
        )

    def filter_due_this_week(self, queryset, name, value):
        if value != "true":
            return queryset
        return queryset.filter(
            state__in=OPEN_STATES, resolve_due_at__gte=self.now, resolve_due_at__lt=end_of_week(self.now)
        )
