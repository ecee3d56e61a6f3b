from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, SatisfactionDimension

from .models import BENCHMARK_EDITABLE_FIELDS, FEEDBACK_EDITABLE_FIELDS, BenchmarkScore, FeedbackRecord


class FeedbackRecordForm(forms.ModelForm):
    # A code typed in, not a select of every customer: there may be 100,000 of them.
    customer = forms.ModelChoiceField(
        label=_("Customer code"),
        queryset=Customer.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Leave empty for feedback about no particular customer (e.g. a dealer's market report)."),
        error_messages={"invalid_choice": _("No customer has this code.")},
    )

    class Meta:
        model = FeedbackRecord
        fields = list(FEEDBACK_EDITABLE_FIELDS)
        widgets = {
            "received_on": forms.DateInput(attrs={"type": "date"}),
            "details": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.customer_id and not self.is_bound:
            self.initial["customer"] = self.instance.customer.code
        self.fields["dimension"].queryset = SatisfactionDimension.objects.filter(is_active=True)
        self.fields["dimension"].empty_label = _("No particular dimension")


class BenchmarkScoreForm(forms.ModelForm):
    class Meta:
        model = BenchmarkScore
        fields = list(BENCHMARK_EDITABLE_FIELDS)
        widgets = {"period_end": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].queryset = SatisfactionDimension.objects.filter(is_active=True)
        self.fields["dimension"].empty_label = _("Overall (satisfaction index)")


class FeedbackImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    encoding = forms.ChoiceField(
        label=_("Text encoding of a CSV file"),
        choices=[
            ("auto", _("Automatic (UTF-8, then GB18030/GBK)")),
            ("utf-8", "UTF-8"),
            ("gb18030", "GB18030 (GBK)"),
        ],
        initial="auto",
        required=False,
    )
