from django.contrib.auth import get_user_model
from rest_framework import serializers

from core.api.serializers import ModelSerializer
from customers.models import Customer, SatisfactionDimension

from .models import VISIT_PLAN_EDITABLE_FIELDS, Channel, Purpose, Severity, Visit, VisitIssue, VisitPlan, VisitScore

User = get_user_model()


class VisitPlanSerializer(ModelSerializer):
    assignee = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )

    class Meta:
        model = VisitPlan
        fields = [
            "id",
            *VISIT_PLAN_EDITABLE_FIELDS,
            "applies_from",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["applies_from", "created_at", "updated_at"]
        # The model's clean() (via the service) explains a missing cadence, person or team.
        validators: list = []


class VisitScoreSerializer(ModelSerializer):
    class Meta:
        model = VisitScore
        fields = ["dimension", "score"]


class VisitIssueSerializer(ModelSerializer):
    complaint = serializers.SerializerMethodField()

    class Meta:
        model = VisitIssue
        fields = ["id", "description", "severity", "complaint"]

    def get_complaint(self, issue) -> str | None:
        complaint = next(iter(issue.complaints.all()), None)
        return complaint.reference if complaint else None


class VisitSerializer(ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    scores = VisitScoreSerializer(many=True, read_only=True)
    issues = VisitIssueSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "customer",
            "customer_name",
            "plan",
            "trigger",
            "cycle",
            "trigger_reference",
            "due_date",
            "assignee",
            "channel",
            "purpose",
            "status",
            "visited_on",
            "contacts_met",
            "summary",
            "next_steps",
            "completed_at",
            "cancel_reason",
            "reschedule_count",
            "scores",
            "issues",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VisitCreateSerializer(serializers.Serializer):
    """A visit planned by hand."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    due_date = serializers.DateField()
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.ON_SITE)
    purpose = serializers.ChoiceField(choices=Purpose.choices, default=Purpose.RELATIONSHIP)
    assignee = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )


class ScoreInputSerializer(serializers.Serializer):
    dimension = serializers.PrimaryKeyRelatedField(queryset=SatisfactionDimension.objects.filter(is_active=True))
    score = serializers.IntegerField(min_value=1, max_value=5)


class IssueInputSerializer(serializers.Serializer):
    description = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)


class VisitRecordSerializer(serializers.Serializer):
    visited_on = serializers.DateField()
    summary = serializers.CharField()
    contacts = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    scores = ScoreInputSerializer(many=True, required=False, default=list)
    issues = IssueInputSerializer(many=True, required=False, default=list)
    next_steps = serializers.CharField(required=False, allow_blank=True, default="")


class VisitRescheduleSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    reason = serializers.CharField()


class VisitCancelSerializer(serializers.Serializer):
    reason = serializers.CharField()
