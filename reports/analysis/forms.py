from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Segment
from reports.figures import InvalidPeriod
from reports.models import ReportLanguage, ReportSchedule

from .periods import last_full_period, period_from_label, period_label


class GenerateForm(forms.Form):
    period = forms.CharField(
        label=_("Period"), max_length=10, help_text=_("A month (2026-11), a quarter (2026-Q4) or a year (2026).")
    )
    segment = forms.ModelChoiceField(
        label=_("Scope"), queryset=Segment.objects.all(), required=False, empty_label=_("All customers")
    )
    language = forms.ChoiceField(label=_("Language"), choices=ReportLanguage.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            from reports.models import PeriodKind

            self.initial.setdefault(
                "period", period_label(PeriodKind.MONTH, last_full_period(PeriodKind.MONTH, timezone.localdate()))
            )

    def clean_period(self):
        try:
            kind, period = period_from_label(self.cleaned_data["period"])
        except InvalidPeriod as error:
            raise forms.ValidationError(_("Enter a month (2026-11), a quarter (2026-Q4) or a year (2026).")) from error
        self.kind, self.period_value = kind, period
        return self.cleaned_data["period"]


class ConclusionsForm(forms.Form):
    conclusions = forms.CharField(
        label=_("Conclusions and actions"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = ReportSchedule
        fields = ["name", "period_kind", "segment", "language", "recipients", "is_active"]
        widgets = {"recipients": forms.Textarea(attrs={"rows": 2})}
