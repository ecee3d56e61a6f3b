from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from customers.models import Segment

from .models import (
    MANAGEMENT_REVIEW_EDITABLE_FIELDS,
    MEASUREMENT_REVIEW_EDITABLE_FIELDS,
    ManagementReview,
    MeasurementReview,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MeasurementReviewForm(forms.ModelForm):
    class Meta:
        model = MeasurementReview
        fields = list(MEASUREMENT_REVIEW_EDITABLE_FIELDS)
        widgets = {
            "reviewed_on": DATE,
            "next_review_due": DATE,
            "scope": forms.Textarea(attrs={"rows": 3}),
            "conclusion": forms.Textarea(attrs={"rows": 4}),
            "actions": forms.Textarea(attrs={"rows": 3}),
        }


class ManagementReviewForm(forms.ModelForm):
    class Meta:
        model = ManagementReview
        fields = list(MANAGEMENT_REVIEW_EDITABLE_FIELDS)
        widgets = {
            "held_on": DATE,
            "participants": forms.Textarea(attrs={"rows": 2}),
            "satisfaction_input": forms.Textarea(attrs={"rows": 2}),
            "decisions": forms.Textarea(attrs={"rows": 4}),
        }


class ScopeForm(forms.Form):
    """The period and scope of the evidence page, and of a pack."""

    since = forms.DateField(label=_("From"), widget=DATE)
    until = forms.DateField(label=_("Until"), widget=DATE)
    segment = forms.ModelChoiceField(
        label=_("Scope"),
        queryset=Segment.objects.order_by("name_sort", "name"),
        required=False,
        empty_label=_("All customers"),
    )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise forms.ValidationError(_("The period cannot end before it starts."))
        return data


class PackForm(ScopeForm):
    prefix = "pack"  # beside the page's scope form, with the same fields
    language = forms.ChoiceField(label=_("Language of the pack"), choices=settings.LANGUAGES)
    pseudonymise = forms.BooleanField(
        label=_("Pseudonymise personal data"),
        required=False,
        help_text=_("Names, phones and e-mails of customers and contacts are replaced, consistently within the pack."),
    )
