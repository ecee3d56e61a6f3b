"""REST API v1 of reports: the headline figures (read) and quality objectives (managers write)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import RolePermission
from core.exceptions import ApplicationError
from customers.selectors import InvalidCriteria

from . import services
from .figures import MIN_SAMPLE, FigureScope, facts_as_of, headline_figures
from .models import ObjectiveResult, QualityObjective
from .serializers import (
    FiguresQuerySerializer,
    FiguresSerializer,
    ManualResultSerializer,
    ObjectiveResultSerializer,
    QualityObjectiveSerializer,
)


class FiguresPermission(RolePermission):
    """The figures are read-only and not a model: reading needs reports.view_figures."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        return request.method in ("GET", "HEAD", "OPTIONS") and request.user.has_perm("reports.view_figures")


class FiguresView(APIView):
    permission_classes = [FiguresPermission]

    @extend_schema(
        parameters=[FiguresQuerySerializer],
        responses=FiguresSerializer,
        summary="Headline figures for a period and scope",
        description=(
            "Every headline figure with its sample size (n), numerator and denominator; value is null where "
            "there is nothing to divide by, and insufficient is true below the minimum sample."
        ),
    )
    def get(self, request):
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        segment = data.get("segment")
        scope = FigureScope(field=data.get("scope_field", ""), value=data.get("scope_value", ""), segment=segment)
        try:
            figures = headline_figures(period=data["period"], scope=scope)
        except InvalidCriteria:
            raise ApplicationError(_("The segment's filters are no longer valid."))
        body = {
            "since": data["since"],
            "until": data["until"],
            "segment": segment.pk if segment else None,
            "as_of": facts_as_of(),
            "minimum_sample": MIN_SAMPLE,
            "figures": {key: figure.as_dict() for key, figure in figures.items()},
        }
        return Response(FiguresSerializer(body).data)


class QualityObjectiveViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Quality objectives (质量目标). Not deleted: retire one, and its results stay as history."""

    serializer_class = QualityObjectiveSerializer
    filterset_fields = ["metric", "is_active", "period_kind"]
    ordering = ["-is_active", "name_en", "id"]

    def get_queryset(self):
        return QualityObjective.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.objective_create(actor=self.request.user, data=dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = services.objective_update(
            actor=self.request.user, objective=serializer.instance, data=dict(serializer.validated_data)
        )

    @extend_schema(request=None, responses=QualityObjectiveSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        objective = services.objective_retire(actor=request.user, objective=self.get_object())
        return Response(QualityObjectiveSerializer(objective).data)

    @extend_schema(request=ManualResultSerializer, responses={201: ObjectiveResultSerializer})
    @action(detail=True, methods=["post"], url_path="manual-result")
    def manual_result(self, request, pk=None):
        serializer = ManualResultSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.objective_result_record_manual(
            actor=request.user, objective=self.get_object(), **serializer.validated_data
        )
        return Response(ObjectiveResultSerializer(result).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[OpenApiParameter("objective", int, description="Only this objective's results")])
class ObjectiveResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Results of quality objectives per period, newest first."""

    serializer_class = ObjectiveResultSerializer
    filterset_fields = ["objective", "status"]
    ordering = ["objective", "-period_start"]

    def get_queryset(self):
        return ObjectiveResult.objects.all()
