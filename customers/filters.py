"""One filter definition for the list page, the API, exports and saved segments."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .models import ChainPosition, Contact, Customer, Industry, Lifecycle, PotentialSource, Region, Scope, Tag, Tier

# The keys a segment may store; anything else in a stored criteria dict is ignored.
SEGMENT_KEYS = (
    "q",
    "scope",
    "chain_position",
    "lifecycle",
    "tier",
    "potential_source",
    "region",
    "industry",
    "owner",
    "tag",
    "volume_min",
    "volume_max",
)


def _owners(request=None):
    # django-filter calls a queryset callable with the request (None outside a request).
    return get_user_model().objects.filter(is_active=True).order_by("username")


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    scope = django_filters.ChoiceFilter(label=_("Internal/external"), choices=Scope.choices, empty_label=_("All"))
    chain_position = django_filters.ChoiceFilter(
        label=_("Intermediate/end"), choices=ChainPosition.choices, empty_label=_("All")
    )
    lifecycle = django_filters.ChoiceFilter(label=_("Lifecycle"), choices=Lifecycle.choices, empty_label=_("All"))
    tier = django_filters.ChoiceFilter(label=_("Key/general"), choices=Tier.choices, empty_label=_("All"))
    potential_source = django_filters.ChoiceFilter(
        label=_("Source"), choices=PotentialSource.choices, empty_label=_("All")
    )
    region = django_filters.MultipleChoiceFilter(label=_("Region"), choices=Region.choices)
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices, empty_label=_("All"))
    owner = django_filters.ModelChoiceFilter(label=_("Account manager"), queryset=_owners, empty_label=_("All"))
    tag = django_filters.ModelChoiceFilter(
        label=_("Tag"), field_name="tags", queryset=Tag.objects.all(), empty_label=_("All")
    )
    volume_min = django_filters.NumberFilter(
        label=_("Annual volume from"), field_name="annual_volume", lookup_expr="gte"
    )
    volume_max = django_filters.NumberFilter(label=_("Annual volume to"), field_name="annual_volume", lookup_expr="lte")
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Sort by name"),
        # "name" sorts by the name's sort key: Chinese names by their pinyin (core.text.name_sort_key).
        fields=(
            ("name_sort", "name"),
            ("code", "code"),
            ("annual_volume", "annual_volume"),
            ("updated_at", "updated_at"),
        ),
        field_labels={
            "name": _("Name"),
            "code": _("Code"),
            "annual_volume": _("Annual volume"),
            "updated_at": _("Last updated"),
        },
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # django-filter renders the "(descending)" labels once, at import, in whatever language is
        # active then; naming the sort orders here translates them per request.
        ordering = self.filters["ordering"]
        # A form field built earlier (e.g. by the API schema) would be copied along with its labels.
        ordering.__dict__.pop("_field", None)
        ordering.extra["choices"] = [
            ("name", _("Name, A to Z")),
            ("-name", _("Name, Z to A")),
            ("code", _("Code")),
            ("-annual_volume", _("Largest annual volume first")),
            ("annual_volume", _("Smallest annual volume first")),
            ("-updated_at", _("Recently updated first")),
        ]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        contact_match = Contact.objects.filter(customer=OuterRef("pk")).filter(
            Q(name__icontains=value) | Q(phone__icontains=value) | Q(email__icontains=value)
        )
        return queryset.filter(
            Q(name__icontains=value)
            | Q(code__iexact=value)
            | Q(code__icontains=value)
            | Q(phone__icontains=value)
            | Exists(contact_match)
        )


def segment_criteria_clean(data) -> dict:
    """Keep only the filter keys a segment may store, dropping empty values."""
    cleaned = {}
    for key in SEGMENT_KEYS:
        if hasattr(data, "getlist") and key == "region":
            values = [v for v in data.getlist(key) if v]
            if values:
                cleaned[key] = values
            continue
        value = data.get(key)
        if value not in (None, "", []):
            cleaned[key] = value
    return cleaned
