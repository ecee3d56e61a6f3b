from django.contrib.auth import get_user_model
from rest_framework import serializers

from core.api.serializers import ModelSerializer

from .models import (
    CONTACT_EDITABLE_FIELDS,
    CUSTOMER_EDITABLE_FIELDS,
    LIFECYCLE_TRANSITIONS,
    Contact,
    Customer,
    Lifecycle,
    LossReason,
    Segment,
)


class ContactSerializer(ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            *CONTACT_EDITABLE_FIELDS,
            "consent_at",
            "consent_withdrawn_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["consent_at", "consent_withdrawn_at", "created_at", "updated_at"]
        # Uniqueness per customer is checked by the service (a clear message) and the database.
        validators: list = []


class TagNamesField(serializers.ListField):
    """Tags as a sorted list of names, read from the customer's tags (a related manager)."""

    child = serializers.CharField(max_length=50)

    def to_representation(self, data):
        return sorted(tag.name for tag in data.all())


class CustomerSerializer(ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), allow_null=True, required=False
    )
    tags = TagNamesField(required=False)
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            *CUSTOMER_EDITABLE_FIELDS,
            "lost_reason",
            "lost_reason_category",
            "lost_at",
            "tags",
            "contacts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["lost_at", "created_at", "updated_at"]
        extra_kwargs = {
            "lost_reason": {"help_text": "Required, with its category, when a customer is created as lost."},
            "lost_reason_category": {"help_text": "Required when a customer is created as lost."},
        }

    def validate(self, attrs):
        # After creation the loss is recorded by the lifecycle step only, which keeps its history.
        if self.instance is not None:
            for field in ("lost_reason", "lost_reason_category"):
                if field in attrs and attrs[field] != getattr(self.instance, field):
                    raise serializers.ValidationError(
                        {field: "Change the lifecycle through POST /customers/{id}/lifecycle/ with a reason."}
                    )
                attrs.pop(field, None)
        return attrs

    def validate_lifecycle(self, value):
        if self.instance is not None and value != self.instance.lifecycle:
            raise serializers.ValidationError(
                "Change the lifecycle through POST /customers/{id}/lifecycle/ with a reason."
            )
        return value


class CustomerListSerializer(CustomerSerializer):
    class Meta(CustomerSerializer.Meta):
        fields = [f for f in CustomerSerializer.Meta.fields if f != "contacts"]


# The states a step can lead to. Nothing becomes "potential" again; offering only these also keeps
# the schema's enum distinct from the customer's lifecycle enum (drf_spectacular.W001, which made
# `check --deploy` warn).
LIFECYCLE_TARGETS = [
    (value, label)
    for value, label in Lifecycle.choices
    if any(value in targets for targets in LIFECYCLE_TRANSITIONS.values())
]


class LifecycleChangeSerializer(serializers.Serializer):
    to_state = serializers.ChoiceField(choices=LIFECYCLE_TARGETS)
    reason = serializers.CharField(allow_blank=True, required=False, default="")
    reason_category = serializers.ChoiceField(
        choices=LossReason.choices, allow_blank=True, required=False, default="", help_text="Required when lost."
    )


class SegmentSerializer(ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    customer_count = serializers.SerializerMethodField()

    class Meta:
        model = Segment
        fields = ["id", "name", "description", "criteria", "created_by", "customer_count", "created_at", "updated_at"]
        read_only_fields = ["created_by", "created_at", "updated_at"]

    def get_customer_count(self, segment) -> int | None:
        from .selectors import InvalidCriteria, segment_count

        counts = self.context.get("segment_counts")
        if counts is not None and segment.pk in counts:
            return counts[segment.pk]
        try:
            return segment_count(criteria=segment.criteria)
        except InvalidCriteria:
            return None
