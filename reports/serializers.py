"""API shapes of reports: the figures and quality objectives."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import ModelSerializer
from customers.models import Segment

from .figures import HEADLINE_METRICS, InvalidPeriod, Period
from .models import CLASSIFICATION_FIELDS, ObjectiveResult, QualityObjective


class FiguresQuerySerializer(serializers.Serializer):
    since = serializers.DateField(help_text=_("First day of the period (YYYY-MM-DD), included."))
    until = serializers.DateField(help_text=_("Last day of the period (YYYY-MM-DD), included."))
    segment = serializers.PrimaryKeyRelatedField(
        queryset=Segment.objects.all(), required=False, help_text=_("A saved segment.")
    )
    scope_field = serializers.ChoiceField(choices=CLASSIFICATION_FIELDS, required=False)
    scope_value = serializers.CharField(required=False, max_length=16)

    def validate(self, attrs):
        try:
            attrs["period"] = Period(attrs["since"], attrs["until"])
        except InvalidPeriod:
            raise serializers.ValidationError({"until": _("The period cannot end before it starts.")})
        if bool(attrs.get("scope_field")) != bool(attrs.get("scope_value")):
            raise serializers.ValidationError({"scope_value": _("Give both the classification and its value.")})
        if attrs.get("segment") and attrs.get("scope_field"):
            raise serializers.ValidationError({"segment": _("Choose a segment or a classification, not both.")})
        return attrs


class FigureSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text=_("None when there is nothing to divide by."))
    n = serializers.IntegerField(help_text=_("Sample size."))
    unit = serializers.CharField()
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    insufficient = serializers.BooleanField(help_text=_("Fewer answers than the minimum sample."))


HeadlineFiguresSerializer = type(
    "HeadlineFiguresSerializer",
    (serializers.Serializer,),
    {metric: FigureSerializer() for metric in HEADLINE_METRICS},
)


class FiguresSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    segment = serializers.IntegerField(allow_null=True)
    as_of = serializers.DateTimeField(allow_null=True, help_text=_("Survey figures include answers up to this time."))
    minimum_sample = serializers.IntegerField()
    figures = HeadlineFiguresSerializer()


class QualityObjectiveSerializer(ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = QualityObjective
        fields = [
            "id",
            "name",
            "name_en",
            "name_zh",
            "metric",
            "target",
            "direction",
            "period_kind",
            "scope_field",
            "scope_value",
            "segment",
            "owner",
            "is_active",
            "retired_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_active", "retired_at", "created_at", "updated_at"]
        # The model's constraints are checked by the service (full_clean), with the same messages.
        validators: list = []


class ObjectiveResultSerializer(ModelSerializer):
    class Meta:
        model = ObjectiveResult
        fields = [
            "id",
            "objective",
            "period_start",
            "period_end",
            "actual",
            "n",
            "status",
            "source",
            "is_manual",
            "recorded_by",
            "computed_at",
        ]
        read_only_fields = fields


class ManualResultSerializer(serializers.Serializer):
    period_start = serializers.DateField(help_text=_("Any day of the period."))
    actual = serializers.DecimalField(max_digits=9, decimal_places=2)
    source = serializers.CharField(max_length=2000)
