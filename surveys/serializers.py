from rest_framework import serializers

from core.api.serializers import ModelSerializer

from .models import (
    QUESTION_EDITABLE_FIELDS,
    VERSION_EDITABLE_FIELDS,
    Answer,
    Campaign,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
)


class QuestionSerializer(ModelSerializer):
    dimension = serializers.SlugRelatedField(slug_field="code", read_only=True)
    condition_question = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Question
        fields = ["id", "position", *QUESTION_EDITABLE_FIELDS]


class QuestionnaireVersionSerializer(ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = QuestionnaireVersion
        fields = ["id", "number", *VERSION_EDITABLE_FIELDS, "created_at", "sent_at", "questions"]


class QuestionnaireSerializer(ModelSerializer):
    versions = QuestionnaireVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Questionnaire
        fields = ["id", "code", "name", "kind", "description", "versions"]


class CampaignSerializer(ModelSerializer):
    questionnaire_version = serializers.PrimaryKeyRelatedField(queryset=QuestionnaireVersion.objects.all())
    invited = serializers.IntegerField(read_only=True)
    completed = serializers.IntegerField(read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "questionnaire_version",
            "plan",
            "segment",
            "trigger",
            "status",
            "closes_at",
            "close_after_responses",
            "reminder_max",
            "reminder_interval_days",
            "satisfied_threshold",
            "alert_threshold",
            "population_size",
            "sample_size",
            "sent_at",
            "closed_at",
            "created_at",
            "invited",
            "completed",
        ]
        read_only_fields = ["status", "population_size", "sample_size", "sent_at", "closed_at", "created_at"]


class AnswerSerializer(ModelSerializer):
    question = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Answer
        fields = ["question", "score", "importance", "choices", "text"]


class ResponseSerializer(ModelSerializer):
    answers = AnswerSerializer(many=True, read_only=True)
    customer_code = serializers.CharField(source="customer.code", read_only=True, allow_null=True, default=None)
    complaint = serializers.SlugRelatedField(slug_field="reference", read_only=True)

    class Meta:
        model = Response
        fields = [
            "id",
            "campaign",
            "questionnaire_version",
            "customer",
            "customer_code",
            "contact",
            "language",
            "submitted_at",
            "csi",
            "nps_score",
            "alerted_at",
            "complaint",
            "is_open",
            "suspected_duplicate",
            "answers",
        ]
