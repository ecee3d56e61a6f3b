from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import SatisfactionDimension, Segment

from .models import (
    LOGO_MAX_BYTES,
    PLAN_EDITABLE_FIELDS,
    QUESTION_EDITABLE_FIELDS,
    VERSION_EDITABLE_FIELDS,
    Campaign,
    CampaignTrigger,
    MeasurementPlan,
    Question,
    QuestionnaireVersion,
    SurveyPageSettings,
)


class PlanForm(forms.ModelForm):
    segments = forms.ModelMultipleChoiceField(
        label=_("Population (segments)"), queryset=Segment.objects.order_by("name_sort", "name"), required=True
    )

    class Meta:
        model = MeasurementPlan
        fields = list(PLAN_EDITABLE_FIELDS)
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}),
            "period_end": forms.DateInput(attrs={"type": "date"}),
            "objective": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")


class CampaignForm(forms.Form):
    SOURCE_PLAN = "plan"
    SOURCE_SEGMENT = "segment"

    name = forms.CharField(label=_("Name"), max_length=150)
    version = forms.ModelChoiceField(
        label=_("Questionnaire"),
        queryset=QuestionnaireVersion.objects.select_related("questionnaire").order_by(
            "questionnaire__name", "-number"
        ),
    )
    plan = forms.ModelChoiceField(
        label=_("Measurement plan (its sample)"),
        queryset=MeasurementPlan.objects.order_by("-period_start"),
        required=False,
    )
    segment = forms.ModelChoiceField(
        label=_("Or a segment (all its consenting customers)"),
        queryset=Segment.objects.order_by("name_sort", "name"),
        required=False,
    )
    trigger = forms.ChoiceField(label=_("Or after an event"), choices=CampaignTrigger.choices, required=False)
    closes_at = forms.DateTimeField(
        label=_("Links expire at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reminder_max = forms.IntegerField(label=_("Reminders at most"), min_value=0, max_value=5, initial=2)
    reminder_interval_days = forms.IntegerField(label=_("Days between reminders"), min_value=1, max_value=60, initial=7)
    satisfied_threshold = forms.IntegerField(
        label=_("Satisfied at or above (0–100)"),
        min_value=0,
        max_value=100,
        initial=75,
        help_text=Campaign._meta.get_field("satisfied_threshold").help_text,
    )
    alert_threshold = forms.IntegerField(
        label=_("Alert below (0–100)"),
        min_value=0,
        max_value=100,
        initial=50,
        help_text=Campaign._meta.get_field("alert_threshold").help_text,
    )

    close_after_responses = forms.IntegerField(
        label=_("Close after this many responses"),
        min_value=1,
        required=False,
        help_text=Campaign._meta.get_field("close_after_responses").help_text,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].label_from_instance = lambda v: (
            f"{v.title} · v{v.number}" + ("" if v.sent_at is None else " ✓")
        )

    def clean(self):
        data = super().clean()
        if sum(1 for key in ("plan", "segment", "trigger") if data.get(key)) != 1:
            raise forms.ValidationError(_("Choose one: a measurement plan, a segment, or an event."))
        closes_at = data.get("closes_at")
        if closes_at and closes_at <= timezone.now():
            self.add_error("closes_at", _("The links must expire in the future."))
        return data


class QuestionForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: value | English | 中文"),
    )

    class Meta:
        model = Question
        fields = [f for f in QUESTION_EDITABLE_FIELDS if f != "choices"]  # choices come as choices_text
        widgets = {"scale_max": forms.Select(choices=[(5, "1–5"), (7, "1–7"), (10, "1–10")])}

    def __init__(self, *args, version: QuestionnaireVersion, **kwargs):
        super().__init__(*args, **kwargs)
        conditions = version.questions.filter(kind__in=["rating", "nps"])
        if self.instance.pk:
            conditions = conditions.exclude(pk=self.instance.pk)
            self.fields["choices_text"].initial = "\n".join(
                f"{c.get('value', '')} | {c.get('en', '')} | {c.get('zh', '')}" for c in self.instance.choices or []
            )
        self.fields["condition_question"].queryset = conditions
        self.fields["dimension"].queryset = self.fields["dimension"].queryset.filter(is_active=True)

    def clean_choices_text(self):
        choices = []
        for line in (self.cleaned_data.get("choices_text") or "").splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not parts[0]:
                continue
            en = parts[1] if len(parts) > 1 else parts[0]
            zh = parts[2] if len(parts) > 2 else en
            choices.append({"value": parts[0], "en": en, "zh": zh})
        return choices

    def question_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "choices_text"}
        data["choices"] = self.cleaned_data.get("choices_text") or []
        return data


class VersionForm(forms.ModelForm):
    class Meta:
        model = QuestionnaireVersion
        fields = list(VERSION_EDITABLE_FIELDS)
        widgets = {"intro_en": forms.Textarea(attrs={"rows": 3}), "intro_zh": forms.Textarea(attrs={"rows": 3})}


class QuestionnaireImportForm(forms.Form):
    file = forms.FileField(label=_("Questionnaire file (JSON)"), required=False)
    text = forms.CharField(
        label=_("Or paste the JSON"), required=False, widget=forms.Textarea(attrs={"rows": 10, "class": "json"})
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > 512 * 1024:
                raise forms.ValidationError(_("The file is too large (at most 512 KB)."))
            data["raw"] = upload.read()
        elif data.get("text", "").strip():
            data["raw"] = data["text"]
        else:
            raise forms.ValidationError(_("Choose a file or paste the questionnaire."))
        return data


class DimensionForm(forms.ModelForm):
    """A satisfaction dimension (services.dimensions): its code is fixed once made."""

    class Meta:
        model = SatisfactionDimension
        fields = ["code", "name_en", "name_zh", "description", "weight", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weight"].min_value = None
        self.fields["weight"].help_text = _(
            "Importance in the satisfaction index. A change applies to questionnaires sent from now "
            "on; campaigns already sent keep the weights they were sent with."
        )
        if self.instance.pk:
            self.fields["code"].disabled = True


class PageSettingsForm(forms.ModelForm):
    logo_file = forms.FileField(
        label=_("Logo"), required=False, help_text=_("PNG, JPEG or SVG, at most 256 KB. SVG without scripts or links.")
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = SurveyPageSettings
        fields = ["organisation_name_en", "organisation_name_zh", "privacy_notice_en", "privacy_notice_zh"]
        widgets = {
            "privacy_notice_en": forms.Textarea(attrs={"rows": 3}),
            "privacy_notice_zh": forms.Textarea(attrs={"rows": 3}),
        }

    def logo_bytes(self) -> bytes | None:
        upload = self.cleaned_data.get("logo_file")
        if upload is None:
            return None
        # Read at most one byte past the limit: the service says "too large" without reading more.
        return upload.read(LOGO_MAX_BYTES + 1)
