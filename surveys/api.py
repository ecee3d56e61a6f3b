"""REST API v1 for questionnaires, campaigns and responses. Writes go through the services, so the
API enforces the rules the pages do (locked versions, frozen plans, manager-only, audit);
responses are read-only."""

from django.db.models import Count, Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as ApiResponse

from core.exceptions import ApplicationError

from . import interchange, selectors, services
from .models import Answer, Campaign, Invitation, Question, Questionnaire, QuestionnaireVersion, Response
from .serializers import CampaignSerializer, QuestionnaireSerializer, QuestionnaireVersionSerializer, ResponseSerializer


class QuestionnaireViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = QuestionnaireSerializer
    filterset_fields = ["kind"]
    ordering = ["name"]

    def get_queryset(self):
        questions = Question.objects.select_related("dimension", "condition_question").order_by("position", "pk")
        versions = QuestionnaireVersion.objects.prefetch_related(Prefetch("questions", queryset=questions)).order_by(
            "-number"
        )
        return Questionnaire.objects.prefetch_related(Prefetch("versions", queryset=versions))

    @extend_schema(request=dict, responses=QuestionnaireVersionSerializer)
    @action(detail=False, methods=["post"], url_path="import")
    def import_version(self, request, format=None):  # noqa: A002 - the router's format-suffix kwarg
        """Import a csm-questionnaire/1 document: a new questionnaire, or a new version of one."""
        import json

        try:
            version = services.questionnaire_import(actor=request.user, raw=json.dumps(request.data))
        except interchange.InvalidQuestionnaire as error:
            raise ApplicationError("The questionnaire is not valid.", extra={"errors": error.errors})
        return ApiResponse(QuestionnaireVersionSerializer(version).data, status=201)


class CampaignViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CampaignSerializer
    filterset_fields = ["status", "plan", "segment"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return Campaign.objects.annotate(
            invited=Count("invitations"),
            completed=Count("invitations", filter=Q(invitations__status=Invitation.Status.COMPLETED)),
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        campaign = services.campaign_create(
            actor=self.request.user,
            name=data["name"],
            version=data["questionnaire_version"],
            plan=data.get("plan"),
            segment=data.get("segment"),
            closes_at=data["closes_at"],
            reminder_max=data.get("reminder_max", 2),
            reminder_interval_days=data.get("reminder_interval_days", 7),
            satisfied_threshold=data.get("satisfied_threshold", 75),
            alert_threshold=data.get("alert_threshold", 50),
            trigger=data.get("trigger", ""),
            close_after_responses=data.get("close_after_responses"),
        )
        serializer.instance = self.get_queryset().get(pk=campaign.pk)

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None, format=None):  # noqa: A002
        services.campaign_send(actor=request.user, campaign=self.get_object())
        return ApiResponse(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None, format=None):  # noqa: A002
        services.campaign_close(actor=request.user, campaign=self.get_object())
        return ApiResponse(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(responses=dict)
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None, format=None):  # noqa: A002
        """Tracking and scores, by the method on the campaign's methodology page."""
        campaign = self.get_object()
        tracking = selectors.campaign_tracking(campaign=campaign)
        results = selectors.campaign_results(campaign=campaign)
        return ApiResponse(
            {
                "tracking": {
                    **tracking,
                    "by_segment": [{**row, "csi": row["csi"] and float(row["csi"])} for row in tracking["by_segment"]],
                },
                "responses": results.responses,
                "csi": _round(results.csi),
                "satisfaction_rate": _round(results.satisfaction_rate, 3),
                "nps": _round(results.nps),
                "dimensions": [
                    {
                        "dimension": d.dimension.code,
                        "weight": d.weight,
                        "mean": _round(d.mean),
                        "importance": _round(d.importance),
                        "gap": _round(d.gap),
                        "satisfaction_rate": _round(d.satisfaction_rate, 3),
                        "answers": d.answers,
                    }
                    for d in results.dimensions
                ],
            }
        )


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


class ResponseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ResponseSerializer
    filterset_fields = ["campaign", "customer"]
    ordering = ["-submitted_at", "-id"]

    def get_queryset(self):
        return selectors.responses_visible_to(
            user=self.request.user,
            queryset=Response.objects.select_related("customer", "complaint").prefetch_related(
                Prefetch("answers", queryset=Answer.objects.select_related("question"))
            ),
        )
