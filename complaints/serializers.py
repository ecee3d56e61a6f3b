from django.contrib.auth import get_user_model
from rest_framework import serializers

from accounts.models import Team
from customers.models import Contact, Customer

from .models import (
    Action,
    Channel,
    CloseReason,
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintEvent,
    CorrectiveAction,
    Kind,
    Severity,
)


class ComplaintSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    team = serializers.StringRelatedField()
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "kind",
            "state",
            "customer",
            "customer_name",
            "contact",
            "channel",
            "category",
            "severity",
            "subject",
            "description",
            "desired_remedy",
            "product_reference",
            "order_reference",
            "batch_reference",
            "received_at",
            "acknowledge_due_at",
            "resolve_due_at",
            "sla_paused_at",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "close_reason",
            "resolution",
            "end_reason",
            "reopen_count",
            "assignee",
            "team",
            "root_cause_category",
            "five_whys",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ComplaintCreateSerializer(serializers.Serializer):
    """What the API may send to open a complaint; the service sets reference, state and due dates."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.COMPLAINT)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ComplaintCategory.objects.filter(is_active=True), required=False, allow_null=True
    )
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField()
    desired_remedy = serializers.CharField(required=False, allow_blank=True, default="")
    product_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    order_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    batch_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Action.choices)
    state = serializers.CharField(
        required=False, help_text="The state the client last saw; a different current state is refused."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    resolution = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    close_reason = serializers.ChoiceField(choices=CloseReason.choices, required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    assignee = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)


class ComplaintEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = ComplaintEvent
        fields = ["id", "at", "actor", "kind", "from_state", "to_state", "comment", "is_public"]


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = ComplaintAttachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at", "url"]


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class CorrectiveActionSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )
    verified_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "complaint",
            "kind",
            "description",
            "owner",
            "due_date",
            "status",
            "required_for_closing",
            "done_at",
            "verified_by",
            "verified_at",
            "evidence",
            "result",
            "recurred",
        ]
        read_only_fields = ["status", "done_at", "verified_by", "verified_at", "evidence", "result", "recurred"]


class VerifySerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=CorrectiveAction.Result.choices)
    evidence = serializers.CharField()
