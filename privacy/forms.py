from django import forms
from django.utils.translation import gettext_lazy as _

from .services import REASON_MIN_LENGTH


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        min_length=REASON_MIN_LENGTH,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The request: when and how it was received, and who asked (kept in the audit trail)."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the personal data is replaced for good and cannot be restored."),
        required=True,
    )
