"""REST API v1 for complaints, their events, attachments and corrective actions. Every write goes
through the same services as the pages (permissions, workflow table, conditional updates, audit)."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.access import can
from core.api.parsers import JSONParser
from core.exceptions import ApplicationError

from . import selectors, services
from .filters import ComplaintFilter
from .models import Complaint, CorrectiveAction
from .serializers import (
    AssignSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    ComplaintCreateSerializer,
    ComplaintEventSerializer,
    ComplaintSerializer,
    CorrectiveActionSerializer,
    TransitionSerializer,
    VerifySerializer,
)


class ComplaintViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Complaints: list with the queue's filters, read one, open one, and take workflow steps."""

    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    ordering_fields = ["resolve_due_at", "received_at"]
    ordering = ["resolve_due_at", "-received_at", "id"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return selectors.complaint_list_base()

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ComplaintCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        complaint = services.complaint_open(actor=request.user, **serializer.validated_data)
        return Response(ComplaintSerializer(complaint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None, format=None):  # noqa: A002 - the router's format-suffix kwarg
        complaint = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        seen = data.pop("state", None)
        if seen is not None and seen != complaint.state:
            raise ApplicationError(_("The complaint changed since you loaded it."), extra={"state": complaint.state})
        services.complaint_transition(actor=request.user, complaint=complaint, **data)
        return Response(ComplaintSerializer(complaint).data)

    @extend_schema(request=AssignSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None, format=None):  # noqa: A002
        complaint = self.get_object()
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.complaint_assign(
            actor=request.user,
            complaint=complaint,
            assignee=serializer.validated_data["assignee"],
            team=serializer.validated_data.get("team"),
        )
        return Response(ComplaintSerializer(complaint).data)

    @extend_schema(responses=ComplaintEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None, format=None):  # noqa: A002
        complaint = self.get_object()
        return Response(ComplaintEventSerializer(selectors.complaint_events(complaint=complaint), many=True).data)

    @extend_schema(
        methods=["POST"], request={"multipart/form-data": AttachmentUploadSerializer}, responses=AttachmentSerializer
    )
    @extend_schema(methods=["GET"], responses=AttachmentSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None, format=None):  # noqa: A002
        complaint = self.get_object()
        if request.method == "GET":
            return Response(AttachmentSerializer(complaint.attachments.all(), many=True).data)
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        with transaction.atomic():
            attachment = services.complaint_attachment_add(
                actor=request.user, complaint=complaint, name=upload.name, content=upload.read()
            )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class CorrectiveActionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Containment, corrective and preventive actions; complete them and check their effectiveness."""

    serializer_class = CorrectiveActionSerializer
    filterset_fields = ["complaint", "status", "kind"]
    ordering = ["due_date", "id"]

    def get_queryset(self):
        return CorrectiveAction.objects.select_related("owner", "verified_by", "complaint")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        complaint: Complaint = data.pop("complaint")
        data.pop("status", None)
        serializer.instance = services.corrective_action_add(actor=self.request.user, complaint=complaint, **data)

    @extend_schema(request=None, responses=CorrectiveActionSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None, format=None):  # noqa: A002
        corrective = services.corrective_action_complete(actor=request.user, action=self.get_object())
        return Response(CorrectiveActionSerializer(corrective).data)

    @extend_schema(request=VerifySerializer, responses=CorrectiveActionSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None, format=None):  # noqa: A002
        serializer = VerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not can(request.user, "complaints.verify_correctiveaction"):
            return Response(
                {"message": _("Only managers verify the effectiveness of corrective actions."), "extra": {}},
                status=status.HTTP_403_FORBIDDEN,
            )
        corrective = services.corrective_action_verify(
            actor=request.user, action=self.get_object(), **serializer.validated_data
        )
        return Response(CorrectiveActionSerializer(corrective).data)
