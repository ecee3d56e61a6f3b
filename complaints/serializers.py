import copy

from django.contrib.auth import get_user_model
from rest_framework import serializers

from accounts.models import Team
from core.api.serializers import ModelSerializer
from customers.models import Contact, Customer

from .event_text import event_text
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


class ComplaintSerializer(ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    team = serializers.StringRelatedField()
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    def get_fields(self):
        # A ModelSerializer works out its fields from the model for every instance it makes (about
        # 1 ms for these 33, a tenth of an API creation); they depend on the class alone, so they are
        # built once per class. Each instance gets shallow copies, which it binds to itself: every
        # field here is read-only (Meta.read_only_fields is all of them, the declared ones say so), so
        # no queryset, choice list or validator they share is ever evaluated or changed per request,
        # and a deep copy of each (what DRF does for declared fields) would only cost time.
        cls = type(self)
        if "_fields_built" not in cls.__dict__:
            cls._fields_built = super().get_fields()
        return {name: copy.copy(field) for name, field in cls._fields_built.items()}

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
            "early_close_at",
            "early_close_reason",
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


class _PrefetchedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A PrimaryKeyRelatedField that takes its object from the parent serializer's `prefetched`
    (by field name) when that object has the very primary key sent; anything else is looked up as
    usual, with the usual errors."""

    def to_internal_value(self, data):
        prefetched = getattr(self.parent, "prefetched", {}).get(self.field_name)
        if prefetched is not None and isinstance(data, int | str) and str(data) == str(prefetched.pk):
            return prefetched
        return super().to_internal_value(data)


# The largest key a database column holds (a signed 64-bit integer): a larger number is no record,
# and SQLite refuses even to compare with it (OverflowError), so it never reaches a query.
PK_MAX = 2**63 - 1


def _plain_pk(value) -> bool:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= PK_MAX


class ComplaintCreateSerializer(serializers.Serializer):
    """What the API may send to open a complaint; the service sets reference, state and due dates."""

    customer = _PrefetchedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    contact = _PrefetchedPrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.COMPLAINT)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    category = serializers.SlugRelatedField(
        slug_field="code",
        # With its parent: the audit trail names the category "parent / child".
        queryset=ComplaintCategory.objects.filter(is_active=True).select_related("parent"),
        required=False,
        allow_null=True,
    )
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField()
    desired_remedy = serializers.CharField(required=False, allow_blank=True, default="")
    product_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    order_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    batch_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def to_internal_value(self, data):
        # The contact usually comes with its own customer: read both in one query (the contact with
        # its customer) rather than one each. Any other combination is looked up field by field.
        self.prefetched = {}
        if hasattr(data, "get") and _plain_pk(data.get("customer")) and _plain_pk(data.get("contact")):
            contact = (
                Contact.objects.select_related("customer")
                .filter(pk=data["contact"], customer_id=data["customer"])
                .first()
            )
            if contact is not None:
                self.prefetched = {"contact": contact, "customer": contact.customer}
        return super().to_internal_value(data)


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Action.choices)
    state = serializers.CharField(
        required=False, help_text="The state the client last saw; a different current state is refused."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    resolution = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    close_reason = serializers.ChoiceField(choices=CloseReason.choices, required=False, allow_blank=True, default="")
    early_close_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the complaint closes before its required actions are verified effective (needed then).",
    )


class AssignSerializer(serializers.Serializer):
    assignee = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)


class ComplaintEventSerializer(ModelSerializer):
    actor = serializers.StringRelatedField()
    text = serializers.SerializerMethodField(help_text="The line in the request's language.")

    class Meta:
        model = ComplaintEvent
        fields = [
            "id",
            "at",
            "actor",
            "kind",
            "from_state",
            "to_state",
            "comment",
            "message",
            "parameters",
            "text",
            "is_public",
        ]

    def get_text(self, event: ComplaintEvent) -> str:
        return event_text(event)


class AttachmentSerializer(ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = ComplaintAttachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at", "url"]


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class CorrectiveActionSerializer(ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )
    verified_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    verification_due_on = serializers.DateField(read_only=True, allow_null=True)  # until the action is done

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
            "verification_wait_days",
            "verification_due_on",
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
