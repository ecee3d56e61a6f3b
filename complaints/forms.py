import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Team
from core import widgets
from core.forms import CHOOSE_LABEL, model_choices_read_once
from core.text import control_characters_strip
from customers.models import Contact, Customer

from .models import (
    VERIFICATION_WAIT_CHOICES,
    WORKER_ROLES,
    Action,
    Channel,
    CloseReason,
    ComplaintCategory,
    CorrectiveAction,
    Kind,
    Severity,
)
from .services.actions import ROOT_CAUSE_CATEGORIES

CHOOSE = CHOOSE_LABEL  # the empty choice of a select, instead of Django's "---------"


def worker_choices():
    return (
        get_user_model().objects.filter(is_active=True, groups__name__in=WORKER_ROLES).distinct().order_by("username")
    )


def category_choices() -> list:
    """Categories grouped by their top level (optgroups), the top level itself selectable."""
    categories = list(ComplaintCategory.objects.filter(is_active=True).select_related("parent"))
    choices: list = [("", CHOOSE)]
    for root in (c for c in categories if c.parent_id is None):
        children = [(c.pk, c.label) for c in categories if c.parent_id == root.pk]
        choices.append((root.label, [(root.pk, _("%(name)s (general)") % {"name": root.label}), *children]))
    return choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the attachment service, not here."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Attachments"), help_text=_("Photos, PDF or office documents, up to 10 MB each."))


class IntakeForm(forms.Form):
    """The phone-call screen: everything needed to record a complaint in under a minute."""

    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.all(),
        widget=forms.HiddenInput,
        error_messages={"required": _("Find and choose the customer first.")},
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.all(), required=False, empty_label=_("— no particular contact —")
    )
    kind = forms.ChoiceField(label=_("Type"), choices=Kind.choices, initial=Kind.COMPLAINT, widget=forms.RadioSelect)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ComplaintCategory.objects.filter(is_active=True), required=False
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    desired_remedy = forms.CharField(
        label=_("Remedy the customer wants"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    product_reference = forms.CharField(label=_("Product"), max_length=100, required=False)
    order_reference = forms.CharField(label=_("Order"), max_length=100, required=False)
    batch_reference = forms.CharField(label=_("Batch"), max_length=100, required=False)
    files = MultipleFileField(label=_("Attachments"), help_text=_("Photos, PDF or office documents, up to 10 MB each."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()

    def clean(self):
        data = super().clean()
        contact, customer = data.get("contact"), data.get("customer")
        if contact is not None and customer is not None and contact.customer_id != customer.pk:
            self.add_error("contact", _("The contact must belong to the customer."))
        return data


class InlineCustomerForm(forms.ModelForm):
    """A new customer created from the phone-call screen: the essentials, the rest later."""

    class Meta:
        model = Customer
        fields = ["name", "code", "phone", "email"]


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=Action.choices, widget=widgets.HiddenInput)
    state = forms.CharField(widget=widgets.HiddenInput)  # the state the user saw (concurrent edits)
    comment = forms.CharField(label=_("Comment"), required=False, widget=widgets.Textarea(attrs={"rows": 2}))
    resolution = forms.CharField(label=_("Resolution"), required=False, widget=widgets.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("Reason"), required=False, widget=widgets.Textarea(attrs={"rows": 2}))
    close_reason = forms.ChoiceField(
        label=_("Closed because"),
        choices=CloseReason.choices,
        required=False,
        initial=CloseReason.ACCEPTED,
        widget=widgets.Select,
    )
    early_close_reason = forms.CharField(
        label=_("Why close before the actions' effectiveness is verified?"),
        required=False,
        widget=widgets.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only while a required action is not verified effective; shown on the 8D report."),
    )


class AssignForm(forms.Form):
    # Rendered on every queue page (the bulk-assignment bar): select lists without the template engine.
    assignee = forms.ModelChoiceField(
        label=_("Assigned to"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=widgets.Select,
        empty_label=_("— nobody —"),
    )
    team = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Team.objects.all(),
        required=False,
        widget=widgets.Select,
        empty_label=_("— no department —"),
    )

    def __init__(self, *args, lists=None, **kwargs):
        """`lists`: the page's lists already read (complaints.selectors.QueuePageLists), if any."""
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = worker_choices()
        shown = {"assignee": lambda: lists.workers, "team": lambda: lists.teams} if lists is not None else None
        model_choices_read_once(self, shown)


class BulkAssignForm(AssignForm):
    complaints = forms.TypedMultipleChoiceField(
        coerce=int, choices=[], error_messages={"required": _("Select complaints to assign.")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ids = self.data.getlist("complaints") if hasattr(self.data, "getlist") else []
        self.fields["complaints"].choices = [(i, i) for i in ids]


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Internal note"), widget=widgets.Textarea(attrs={"rows": 2}))


class RootCauseForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Root cause category"), choices=list(ROOT_CAUSE_CATEGORIES.items()), widget=widgets.Select
    )
    why1 = forms.CharField(label=_("Why? (1)"), max_length=300, widget=widgets.TextInput)
    why2 = forms.CharField(label=_("Why? (2)"), max_length=300, widget=widgets.TextInput, required=False)
    why3 = forms.CharField(label=_("Why? (3)"), max_length=300, widget=widgets.TextInput, required=False)
    why4 = forms.CharField(label=_("Why? (4)"), max_length=300, widget=widgets.TextInput, required=False)
    why5 = forms.CharField(label=_("Why? (5)"), max_length=300, widget=widgets.TextInput, required=False)

    def whys(self) -> list[str]:
        return [self.cleaned_data.get(f"why{i}", "") for i in range(1, 6)]


class CorrectiveActionForm(forms.Form):
    # The complaint page shows this form with the others: select lists without the template engine.
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CorrectiveAction.Kind.choices, initial="corrective", widget=widgets.Select
    )
    description = forms.CharField(
        label=pgettext_lazy("corrective action", "Action"), widget=widgets.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none(), widget=widgets.Select)
    due_date = forms.DateField(label=_("Due date"), widget=widgets.DateInput(attrs={"type": "date"}))
    required_for_closing = forms.BooleanField(label=_("Must be done before closing"), required=False, initial=True)
    verification_wait_days = forms.TypedChoiceField(
        label=_("Check effectiveness after"),
        choices=VERIFICATION_WAIT_CHOICES,
        coerce=int,
        initial=30,
        required=False,
        empty_value=30,
        widget=widgets.Select,
        help_text=_("The waiting period after the action is done, long enough for a recurrence to show."),
    )

    def __init__(self, *args, workers=None, **kwargs):
        """`workers`: a callable giving the people worker_choices() selects, already read by the page."""
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = worker_choices()
        self.fields["owner"].empty_label = CHOOSE
        model_choices_read_once(self, {"owner": workers} if workers is not None else None)


class VerifyForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=CorrectiveAction.Result.choices, widget=widgets.Select)
    evidence = forms.CharField(label=_("Evidence"), widget=widgets.Textarea(attrs={"rows": 2}))


class WebComplaintForm(forms.Form):
    """The public form. `website` is a honeypot (hidden from people, filled by bots); `started` is a
    signed timestamp of when the form was shown (a bot posts within a second), and the form's
    one-time token. The sender gives an e-mail address or a phone number, or both."""

    name = forms.CharField(label=_("Your name or company"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("An e-mail address or a phone number, so that we can answer you."),
    )
    kind = forms.ChoiceField(label=_("This is a"), choices=Kind.choices, initial=Kind.COMPLAINT)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 5}))
    desired_remedy = forms.CharField(
        label=_("What would you like us to do?"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    product_reference = forms.CharField(label=_("Product, order or batch number"), max_length=100, required=False)
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            # Control characters (a NUL pasted from another program) are dropped rather than refused:
            # Django's CharField would reject the whole complaint for one invisible character.
            data = data.copy()
            for key in list(data.keys()):
                data.setlist(key, [control_characters_strip(value) for value in data.getlist(key)])
        super().__init__(data, *args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="email")
        self.fields["phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "").strip()
        if not phone:
            return ""
        digits = sum(ch.isdigit() for ch in phone)
        if not PHONE_PATTERN.fullmatch(phone) or not 5 <= digits <= 20:
            raise forms.ValidationError(_("Enter a phone number: digits, spaces, +, - and brackets only."))
        return phone

    def clean(self):
        data = super().clean()
        if (
            not data.get("email")
            and not data.get("phone")
            and "email" not in self.errors
            and "phone" not in self.errors
        ):
            raise forms.ValidationError(_("Give an e-mail address or a phone number, so that we can answer you."))
        return data


PHONE_PATTERN = re.compile(r"\+?[0-9 ()\-]+(?:\s*(?:ext\.?|x|转)\s*[0-9]+)?")
