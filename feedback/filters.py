import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FeedbackRecord, Sentiment, Source


class FeedbackFilter(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices, empty_label=_("All sources"))
    sentiment = django_filters.ChoiceFilter(
        label=_("Sentiment"), choices=Sentiment.choices, empty_label=_("All sentiments")
    )
    since = django_filters.DateFilter(
        label=_("Received from"), field_name="received_on", lookup_expr="gte", widget=forms.DateInput({"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("Received until"), field_name="received_on", lookup_expr="lte", widget=forms.DateInput({"type": "date"})
    )
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta:
        model = FeedbackRecord
        fields = ["source", "sentiment"]

    def search(self, queryset, name, value):
        return queryset.filter(summary__icontains=value) | queryset.filter(customer__name__icontains=value)
