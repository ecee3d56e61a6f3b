from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.forms import blank_choices_labelled

from .models import CONTACT_EDITABLE_FIELDS, CUSTOMER_EDITABLE_FIELDS, Contact, Customer, Lifecycle, LossReason, Segment


class TagsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Tags"))
        kwargs.setdefault("help_text", _("Separate tags with commas."))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value) or ""
        return sorted({t.strip() for t in value.replace("，", ",").replace(";", ",").split(",") if t.strip()})


class CustomerForm(forms.ModelForm):
    tags = TagsField()

    class Meta:
        model = Customer
        fields = list(CUSTOMER_EDITABLE_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "address": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        if self.instance.pk:
            # The lifecycle changes only through its own step, which records a reason.
            del self.fields["lifecycle"]
            self.initial["tags"] = ", ".join(self.instance.tags.values_list("name", flat=True))
        self.fields["name"].widget.attrs["autofocus"] = True
        blank_choices_labelled(self)


class LifecycleForm(forms.Form):
    to_state = forms.ChoiceField(label=_("New lifecycle state"), choices=Lifecycle.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when a customer is lost (lost-business analysis) or won back."),
    )
    reason_category = forms.ChoiceField(
        label=_("Why lost"),
        required=False,
        choices=[("", _("Choose when the customer is lost")), *LossReason.choices],
    )


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = list(CONTACT_EDITABLE_FIELDS)


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
