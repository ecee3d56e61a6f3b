"""What is measured and asked: measurement plans, questionnaires, their versions and questions."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.i18n import bilingual
from core.models import TimeStampedModel


class Bilingual:
    """`text`/`label` helpers: the question's wording in the active (or given) language."""

    def localised(self, field: str, language: str | None = None) -> str:
        return bilingual(self, field, language)


# -- measurement plan -------------------------------------------------------------------------------


class SurveyMethod(models.TextChoices):
    EMAIL = "email", _("E-mail questionnaire")
    LINK = "link", _("Printed link or QR code (SMS, WeChat, delivery note)")
    PHONE = "phone", _("Telephone survey")
    VISIT = "visit", _("Follow-up visit")
    MIXED = "mixed", _("Mixed methods")


class Frequency(models.TextChoices):
    ONCE = "once", _("Once")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


CONFIDENCE_CHOICES = [
    (Decimal("0.90"), "90%"),
    (Decimal("0.95"), "95%"),
    (Decimal("0.99"), "99%"),
]


# What a manager may set on a measurement plan (plan form and services), in the form's order: all
# but its seed (drawn once) and its freezing (by the first campaign). The services take the
# population (segments, a many-to-many) as an argument of its own.
PLAN_EDITABLE_FIELDS = (
    "name",
    "period_start",
    "period_end",
    "objective",
    "segments",
    "method",
    "frequency",
    "owner",
    "margin_of_error",
    "confidence_level",
    "stratified",
    "contact_interval_days",
)


class MeasurementPlan(TimeStampedModel):
    """What is measured, of whom, how and how often, for one period; frozen once a campaign runs."""

    name = models.CharField(_("name"), max_length=150)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    objective = models.TextField(_("objective"), help_text=_("For example: customer satisfaction rate >= 90%."))
    segments = models.ManyToManyField(
        "customers.Segment", verbose_name=_("population (segments)"), related_name="measurement_plans"
    )
    method = models.CharField(_("method"), max_length=10, choices=SurveyMethod.choices, default=SurveyMethod.EMAIL)
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices, default=Frequency.YEARLY)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="survey_plans"
    )
    margin_of_error = models.DecimalField(
        _("margin of error"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.050"),
        validators=[MinValueValidator(Decimal("0.005")), MaxValueValidator(Decimal("0.5"))],
        help_text=_("As a fraction: 0.05 means ±5 percentage points."),
    )
    confidence_level = models.DecimalField(
        _("confidence level"), max_digits=3, decimal_places=2, choices=CONFIDENCE_CHOICES, default=Decimal("0.95")
    )
    stratified = models.BooleanField(
        _("stratify by segment"), default=True, help_text=_("Draw from each segment in proportion to its size.")
    )
    contact_interval_days = models.PositiveSmallIntegerField(
        _("minimum days between surveys of one customer"), default=90
    )
    seed = models.BigIntegerField(_("random seed"), help_text=_("Stored so the sample can be drawn again."))
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("measurement plan")
        verbose_name_plural = _("measurement plans")
        ordering = ["-period_start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="plan_period_order"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("surveys:plan_detail", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period cannot end before it starts.")})


# -- questionnaires ---------------------------------------------------------------------------------


class QuestionnaireKind(models.TextChoices):
    GENERAL = "general", _("General satisfaction survey")
    COMPLAINT_HANDLING = "complaint_handling", _("Complaint-handling survey")
    FOLLOW_UP_VISIT = "follow_up_visit", _("Follow-up visit survey")
    CUSTOM = "custom", _("Other")


class Questionnaire(TimeStampedModel):
    """A questionnaire (调查表/问卷). Its questions live in versions: what was sent never changes."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    # English in `name` and `description`, Chinese in the `_zh` fields (core.i18n.bilingual's older
    # style, which keeps the API's and the interchange format's field names).
    name_zh = models.CharField(
        _("name (Chinese)"),
        max_length=150,
        blank=True,
        help_text=_("Shown in the Chinese interface; the name if empty."),
    )
    kind = models.CharField(
        _("purpose"), max_length=20, choices=QuestionnaireKind.choices, default=QuestionnaireKind.CUSTOM
    )
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return bilingual(self, "name")

    @property
    def description_text(self) -> str:
        return bilingual(self, "description")

    def get_absolute_url(self) -> str:
        return reverse("surveys:questionnaire_detail", args=[self.pk])


# What a manager may change on a draft version (version form and services): its title and introduction.
VERSION_EDITABLE_FIELDS = ("title_en", "title_zh", "intro_en", "intro_zh")


class QuestionnaireVersion(Bilingual, models.Model):
    """One immutable-once-sent wording of a questionnaire. Editing a sent version makes a new one."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    intro_zh = models.TextField(_("introduction (Chinese)"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(
        _("first sent at"), null=True, blank=True, help_text=_("Once sent, a version can no longer change.")
    )

    class Meta:
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        ordering = ["questionnaire", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="questionnaire_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.title} · v{self.number}"

    @property
    def is_locked(self) -> bool:
        return self.sent_at is not None

    @property
    def title(self) -> str:
        return self.localised("title")

    @property
    def intro(self) -> str:
        return self.localised("intro")


class QuestionKind(models.TextChoices):
    RATING = "rating", _("Rating scale")
    NPS = "nps", _("Likelihood to recommend (NPS 0–10)")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    YES_NO = "yes_no", _("Yes / no")
    TEXT = "text", _("Free text")


SCALE_MAXIMA = (5, 7, 10)


class LoyaltyAspect(models.TextChoices):
    """What a loyalty question (顾客忠诚) measures. Loyalty is measured apart from satisfaction: such a
    question has no dimension, so it enters neither the index nor the dimension means, and reports
    compute the loyalty index from it."""

    REPURCHASE = "repurchase", _("Intention to buy again")
    RECOMMEND = "recommend", _("Recommending us to others")
    RETENTION = "retention", _("Staying with us against a competitor's offer")


# What a manager may set on a question (builder form, JSON import, API): everything but its place
# in the version, which the builder orders.
QUESTION_EDITABLE_FIELDS = (
    "code",
    "kind",
    "text_en",
    "text_zh",
    "required",
    "scale_max",
    "low_label_en",
    "low_label_zh",
    "high_label_en",
    "high_label_zh",
    "ask_importance",
    "choices",
    "condition_question",
    "condition_max_score",
    "dimension",
    "weight",
    "loyalty_aspect",
)


class Question(Bilingual, models.Model):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("type"), max_length=10, choices=QuestionKind.choices)
    text_en = models.CharField(_("question (English)"), max_length=300)
    text_zh = models.CharField(_("question (Chinese)"), max_length=300)
    required = models.BooleanField(_("required"), default=True)
    scale_max = models.PositiveSmallIntegerField(
        _("scale"), default=5, help_text=_("Rating scale 1–5, 1–7 or 1–10 (NPS is always 0–10).")
    )
    low_label_en = models.CharField(_("low end label (English)"), max_length=60, blank=True)
    low_label_zh = models.CharField(_("low end label (Chinese)"), max_length=60, blank=True)
    high_label_en = models.CharField(_("high end label (English)"), max_length=60, blank=True)
    high_label_zh = models.CharField(_("high end label (Chinese)"), max_length=60, blank=True)
    ask_importance = models.BooleanField(
        _("also ask importance"),
        default=False,
        help_text=_("A paired rating of how important this is to the customer."),
    )
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_('A list of {"value", "en", "zh"} objects.')
    )
    condition_question = models.ForeignKey(
        "self",
        verbose_name=_("ask only when question"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dependent_questions",
    )
    condition_max_score = models.PositiveSmallIntegerField(_("scored at most"), null=True, blank=True)
    dimension = models.ForeignKey(
        "customers.SatisfactionDimension",
        verbose_name=_("dimension"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Importance weight of the dimension in this questionnaire; empty: the dimension's default."),
    )
    loyalty_aspect = models.CharField(
        _("loyalty question"),
        max_length=12,
        choices=LoyaltyAspect.choices,
        blank=True,
        help_text=_(
            "Marks a rating or recommendation question as a loyalty question (repurchase, recommending, "
            "staying against a competitor's offer): counted in the loyalty index, not in satisfaction."
        ),
    )
    # The dimension's default weight in force when the version was first sent (campaign_send): a
    # sent version keeps scoring with it, so a manager reweighting a dimension changes the figures of
    # versions sent afterwards only, never past campaigns' figures.
    frozen_weight = models.DecimalField(
        _("weight in force when sent"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="question_unique_code_per_version"),
            models.CheckConstraint(
                condition=models.Q(weight__isnull=True) | models.Q(weight__gt=0), name="question_weight_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text_en or self.text_zh}"

    @property
    def text(self) -> str:
        return self.localised("text")

    @property
    def scale_min(self) -> int:
        return 0 if self.kind == QuestionKind.NPS else 1

    @property
    def scale_top(self) -> int:
        return 10 if self.kind == QuestionKind.NPS else self.scale_max

    @property
    def is_scored(self) -> bool:
        return self.kind in (QuestionKind.RATING, QuestionKind.NPS)

    def effective_weight(self) -> Decimal:
        """The weight the satisfaction index uses: the questionnaire's own, else the dimension's
        default as it was when the version was sent (frozen), else (a draft) the current default."""
        if self.weight is not None:
            return self.weight
        if self.frozen_weight is not None:
            return self.frozen_weight
        return self.dimension.weight if self.dimension_id else Decimal(1)

    def choice_values(self) -> list[str]:
        return [str(c.get("value")) for c in self.choices or []]

    def clean(self) -> None:
        errors = {}
        if self.kind == QuestionKind.RATING and self.scale_max not in SCALE_MAXIMA:
            errors["scale_max"] = _("A rating scale runs 1–5, 1–7 or 1–10.")
        if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(self.choices or []) < 2:
            errors["choices"] = _("A choice question needs at least two choices.")
        if (self.condition_question_id is None) != (self.condition_max_score is None):
            errors["condition_max_score"] = _("A condition needs both the question and the score.")
        if self.loyalty_aspect and not self.is_scored:
            errors["loyalty_aspect"] = _("A loyalty question is a rating or a recommendation (0–10) question.")
        if self.loyalty_aspect and self.dimension_id:
            errors["dimension"] = _(
                "A loyalty question is measured apart from satisfaction: leave its dimension empty."
            )
        if self.condition_question_id is not None and self.condition_question.version_id != self.version_id:
            errors["condition_question"] = _("The condition must refer to a question of the same version.")
        if errors:
            raise ValidationError(errors)


# -- campaigns and invitations ----------------------------------------------------------------------
