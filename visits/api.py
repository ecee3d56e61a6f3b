"""REST API v1 for visit plans and visits. The same rules as the pages: a visit outside what the
user may see is a 404, and every write goes through the services (ownership, states, audit)."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import selectors, services
from .models import Visit, VisitIssue, VisitPlan
from .serializers import (
    VisitCancelSerializer,
    VisitCreateSerializer,
    VisitPlanSerializer,
    VisitRecordSerializer,
    VisitRescheduleSerializer,
    VisitSerializer,
)


class VisitPlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Plans are not deleted through the API (their visits keep pointing at them): deactivate one."""

    serializer_class = VisitPlanSerializer
    filterset_fields = ["trigger", "segment", "is_active"]
    ordering = ["name"]

    def get_queryset(self):
        return VisitPlan.objects.select_related("assignee")

    def perform_create(self, serializer):
        serializer.instance = services.visit_plan_create(actor=self.request.user, data=dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = services.visit_plan_update(
            actor=self.request.user, plan=serializer.instance, data=dict(serializer.validated_data)
        )


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Visits the user may see. Planned by hand with POST; recorded, rescheduled and cancelled
    through their actions."""

    serializer_class = VisitSerializer
    filterset_fields = {
        "status": ["exact"],
        "customer": ["exact"],
        "plan": ["exact"],
        "trigger": ["exact"],
        "assignee": ["exact"],
        "due_date": ["exact", "gte", "lte"],
    }
    ordering_fields = ["due_date", "updated_at"]
    ordering = ["due_date", "id"]

    def get_queryset(self):
        return (
            selectors.visits_visible_to(user=self.request.user)
            .select_related("customer", "assignee")
            .prefetch_related(
                "contacts_met",
                "scores",
                Prefetch("issues", queryset=VisitIssue.objects.prefetch_related("complaints")),
            )
        )

    @extend_schema(request=VisitCreateSerializer, responses=VisitSerializer)
    def create(self, request, *args, **kwargs):
        serializer = VisitCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = services.visit_create(actor=request.user, **serializer.validated_data)
        return Response(self._read(visit), status=status.HTTP_201_CREATED)

    def _read(self, visit: Visit) -> dict:
        return VisitSerializer(self.get_queryset().get(pk=visit.pk)).data

    @extend_schema(request=VisitRecordSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None, format=None):  # noqa: A002 - the router's format-suffix kwarg
        visit = self.get_object()
        serializer = VisitRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.visit_record(
            actor=request.user,
            visit=visit,
            visited_on=data["visited_on"],
            summary=data["summary"],
            contact_ids=data["contacts"],
            scores={row["dimension"].pk: row["score"] for row in data["scores"]},
            issues=[dict(row) for row in data["issues"]],
            next_steps=data["next_steps"],
        )
        return Response(self._read(visit))

    @extend_schema(request=VisitRescheduleSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None, format=None):  # noqa: A002
        visit = self.get_object()
        serializer = VisitRescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.visit_reschedule(actor=request.user, visit=visit, **serializer.validated_data)
        return Response(self._read(visit))

    @extend_schema(request=VisitCancelSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, format=None):  # noqa: A002
        visit = self.get_object()
        serializer = VisitCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.visit_cancel(actor=request.user, visit=visit, reason=serializer.validated_data["reason"])
        return Response(self._read(visit))
