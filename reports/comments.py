"""Verbatim comments (顾客原话): the free-text answers of survey responses, filtered by dimension,
score band, customers (a classification or a saved segment) and period, filtered in SQL and
paginated.

A comment's dimension is its question's, or, for a follow-up question ("What was wrong with the
quality?"), the dimension of the rating it follows. Score bands read the response's satisfaction
index (dissatisfied below 60, neutral below 75, satisfied from 75: the default threshold) or its
recommendation answer (detractor 0–6, passive 7–8, promoter 9–10).
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import permission
from customers.models import SatisfactionDimension, Segment
from customers.selectors import InvalidCriteria
from surveys.models import Answer, QuestionKind
from surveys.scoring import DETRACTOR_MAX, PROMOTER_MIN

from .dashboard_filters import CLASSIFICATION_CHOICES
from .figures import FigureScope, Period, quarter_period

COMMENTS_PER_PAGE = 50
NEUTRAL_FROM = 60
SATISFIED_FROM = 75
BANDS: dict[str, tuple[Any, Q]] = {
    "dissatisfied": (_("Dissatisfied (index below 60)"), Q(response__csi__lt=NEUTRAL_FROM)),
    "neutral": (_("Neutral (index 60–74)"), Q(response__csi__gte=NEUTRAL_FROM, response__csi__lt=SATISFIED_FROM)),
    "satisfied": (_("Satisfied (index 75 and above)"), Q(response__csi__gte=SATISFIED_FROM)),
    "detractor": (_("Detractors (recommend 0–6)"), Q(response__nps_score__lte=DETRACTOR_MAX)),
    "passive": (
        _("Passives (recommend 7–8)"),
        Q(response__nps_score__gt=DETRACTOR_MAX, response__nps_score__lt=PROMOTER_MIN),
    ),
    "promoter": (_("Promoters (recommend 9–10)"), Q(response__nps_score__gte=PROMOTER_MIN)),
}


class CommentFilterForm(forms.Form):
    since = forms.DateField(label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    dimension = forms.ModelChoiceField(
        label=_("Dimension"), queryset=SatisfactionDimension.objects.none(), required=False, empty_label=_("All")
    )
    band = forms.ChoiceField(label=_("Score band"), required=False)
    scope = forms.ChoiceField(label=_("Customers"), required=False)
    q = forms.CharField(label=_("Text contains"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].queryset = SatisfactionDimension.objects.order_by("-is_active", "position", "code")
        self.fields["band"].choices = [("", _("All")), *((key, label) for key, (label, _q) in BANDS.items())]
        choices: list[Any] = [("", _("All customers"))]
        segments = [
            (f"segment:{pk}", name)
            for pk, name in Segment.objects.order_by("name_sort", "name").values_list("pk", "name")
        ]
        if segments:
            choices.append((_("Saved segments"), segments))
        for field, (label, values) in CLASSIFICATION_CHOICES.items():
            choices.append((label, [(f"{field}:{value}", text) for value, text in values]))
        self.fields["scope"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("Since must not be after until."))
        return data


def comment_scope(key: str) -> FigureScope:
    if key.startswith("segment:"):
        segment = Segment.objects.filter(pk=key.split(":", 1)[1]).first() if key[8:].isdigit() else None
        return FigureScope.of_segment(segment) if segment else FigureScope.everyone()
    if ":" in key:
        field, value = key.split(":", 1)
        if field in CLASSIFICATION_CHOICES:
            return FigureScope.classification(field, value)
    return FigureScope.everyone()


def verbatim_comments(
    *,
    period: Period,
    scope: FigureScope,
    dimension: SatisfactionDimension | None = None,
    band: str = "",
    containing: str = "",
) -> QuerySet[Answer]:
    """Free-text answers of counted responses in the period, newest first. Raises InvalidCriteria for
    a segment whose criteria no longer work."""
    comments = Answer.objects.filter(
        scope.customer_filter("response__customer"),
        question__kind=QuestionKind.TEXT,
        response__suspected_duplicate=False,
        response__submitted_at__gte=period.start,
        response__submitted_at__lt=period.end,
    ).exclude(text="")
    if dimension is not None:
        comments = comments.filter(
            Q(question__dimension=dimension)
            | Q(question__dimension__isnull=True, question__condition_question__dimension=dimension)
        )
    if band in BANDS:
        comments = comments.filter(BANDS[band][1])
    if containing:
        comments = comments.filter(text__icontains=containing)
    return comments.select_related(
        "question__dimension", "question__condition_question__dimension", "response__customer", "response__campaign"
    ).order_by("-response__submitted_at", "-pk")


@permission("surveys.view_response")
def comment_list_view(request):
    form = CommentFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    default = quarter_period(today)
    since: datetime.date = data.get("since") or default.since
    until: datetime.date = data.get("until") or max(since, default.until)
    period = Period(since, until)
    scope = comment_scope(data.get("scope") or "")
    invalid_segment = False
    try:
        comments = verbatim_comments(
            period=period,
            scope=scope,
            dimension=data.get("dimension"),
            band=data.get("band") or "",
            containing=data.get("q") or "",
        )
        # Evaluate the segment's criteria now, inside the try (the queryset is lazy).
        scope.customers()
    except InvalidCriteria:
        comments, invalid_segment = Answer.objects.none(), True
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/comment_list.html",
        {
            "form": form,
            "page": page,
            "period": period,
            "invalid_segment": invalid_segment,
            "query": query.urlencode(),
        },
    )
