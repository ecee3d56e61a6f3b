import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import blank_choices_labelled
from customers.models import SatisfactionDimension

from .models import VISIT_PLAN_EDITABLE_FIELDS, Channel, Purpose, Severity, VisitPlan

SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class VisitRecordForm(forms.Form):
    """The phone form: one score field (1-5, optional) per active satisfaction dimension."""

    visited_on = forms.DateField(
        label=_("Date of the visit"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Who was met"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    next_steps = forms.CharField(label=_("Next steps"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, visit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = visit.customer.contacts.order_by("-is_primary", "name")
        self.initial.setdefault("visited_on", timezone.localdate())
        self.dimensions = list(SatisfactionDimension.objects.filter(is_active=True))
        for dimension in self.dimensions:
            self.fields[f"score_{dimension.pk}"] = forms.TypedChoiceField(
                label=dimension.name,
                choices=SCORE_CHOICES,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )

    def clean_visited_on(self):
        visited_on = self.cleaned_data["visited_on"]
        if visited_on > timezone.localdate():
            raise forms.ValidationError(_("A visit cannot be recorded before it happened."))
        return visited_on

    def score_fields(self):
        return [self[f"score_{d.pk}"] for d in self.dimensions]

    def scores(self) -> dict[int, int]:
        return {
            d.pk: self.cleaned_data[f"score_{d.pk}"]
            for d in self.dimensions
            if self.cleaned_data.get(f"score_{d.pk}") is not None
        }


class VisitIssueForm(forms.Form):
    description = forms.CharField(label=_("Issue raised"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM, required=False)


VisitIssueFormSet = forms.formset_factory(VisitIssueForm, extra=2, max_num=20, validate_max=True)


class RescheduleForm(forms.Form):
    due_date = forms.DateField(label=_("New date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def chosen_customer(self):
        """The customer chosen (posted, or given by ?customer= when the page opens), or None."""
        value = self.data.get("customer") if self.is_bound else self.initial.get("customer")
        if not value or not str(value).isdigit():
            return None
        return self.fields["customer"].queryset.filter(pk=int(value)).first()

    def clean_due_date(self):
        due_date = self.cleaned_data["due_date"]
        if due_date < timezone.localdate():
            raise forms.ValidationError(_("The new date cannot be in the past."))
        return due_date


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


def _time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class VisitPlanForm(forms.ModelForm):
    # IANA names (Asia/Shanghai) are codes, the same in every language: not for a page translator.
    time_zone = forms.ChoiceField(
        label=_("time zone"), choices=_time_zone_choices, widget=forms.Select(attrs={"translate": "no"})
    )

    class Meta:
        model = VisitPlan
        fields = list(VISIT_PLAN_EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["time_zone"].help_text = VisitPlan._meta.get_field("time_zone").help_text
        self.fields["time_zone"].initial = VisitPlan._meta.get_field("time_zone").default
        blank_choices_labelled(self)


class ScopeForm(forms.Form):
    """Managers switch "My visits" to everybody's, a team's or one person's."""

    who = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("mine", _("My visits")), ("all", _("Everybody")), ("team", _("A team")), ("person", _("A person"))],
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False, empty_label=_("Any team"))
    person = forms.ModelChoiceField(label=_("Person"), queryset=None, required=False, empty_label=_("Any person"))

    def __init__(self, *args, **kwargs):
        from accounts.models import Team

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["person"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")


class VisitCreateForm(forms.Form):
    """A visit planned by hand. Only managers choose someone else as the assignee."""

    # Chosen from a search (visits/_customer_options.html, radio buttons), not a select of every customer.
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={"required": _("Find and choose the customer first.")},
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.ON_SITE)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices, initial=Purpose.RELATIONSHIP)
    assignee = forms.ModelChoiceField(label=_("Assigned to"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        from customers.models import Customer

        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.all()
        if user.has_perm("visits.change_all_visits"):
            self.fields["assignee"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
            self.fields["assignee"].empty_label = _("— myself —")
            self.fields["assignee"].help_text = _("Empty: yourself.")
        else:
            del self.fields["assignee"]

    def chosen_customer(self):
        """The customer chosen (posted, or given by ?customer= when the page opens), or None."""
        value = self.data.get("customer") if self.is_bound else self.initial.get("customer")
        if not value or not str(value).isdigit():
            return None
        return self.fields["customer"].queryset.filter(pk=int(value)).first()

    def clean_due_date(self):
        due_date = self.cleaned_data["due_date"]
        if due_date < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return due_date
