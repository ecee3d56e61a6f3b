"""The customer master: who a customer is (domain.md "顾客是谁"), their contacts, tags and segments."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.i18n import bilingual
from core.models import TimeStampedModel
from core.text import NAME_SORT_KEY_LENGTH, name_sort_key


class Scope(models.TextChoices):
    EXTERNAL = "external", _("External customer")
    INTERNAL = "internal", _("Internal customer")


class ChainPosition(models.TextChoices):
    END = "end", _("End customer")
    INTERMEDIATE = "intermediate", _("Intermediate customer")


class Lifecycle(models.TextChoices):
    POTENTIAL = "potential", _("Potential customer")
    CURRENT = "current", _("Current customer")
    LOST = "lost", _("Lost customer")


class LossReason(models.TextChoices):
    """Why a customer was lost (流失原因), as categories the lost-business analysis counts; the free
    text beside it says the rest."""

    PRICE = "price", _("Price")
    QUALITY = "quality", _("Product quality")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")
    COMPETITOR = "competitor", _("A competitor's offer")
    RELATIONSHIP = "relationship", _("Relationship or people changed")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needs the product")
    BUSINESS_CLOSED = "business_closed", _("Closed down or taken over")
    OTHER = "other", _("Other")


class Tier(models.TextChoices):
    KEY = "key", _("Key customer")
    GENERAL = "general", _("General customer")


class PotentialSource(models.TextChoices):
    REGION = "region", _("New region")
    STRATUM = "stratum", _("New stratum")
    COMPETITOR = "competitor", _("Competitor's customer")
    NON_USER = "non_user", _("Non-user of the category")


class Region(models.TextChoices):
    EAST = "east", _("East China")
    NORTH = "north", _("North China")
    SOUTH = "south", _("South China")
    CENTRAL = "central", _("Central China")
    SOUTHWEST = "southwest", _("Southwest China")
    NORTHWEST = "northwest", _("Northwest China")
    NORTHEAST = "northeast", _("Northeast China")
    OVERSEAS = "overseas", _("Overseas")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    AUTOMOTIVE = "automotive", _("Automotive")
    ELECTRONICS = "electronics", _("Electronics")
    ENERGY = "energy", _("Energy")
    HEALTHCARE = "healthcare", _("Healthcare")
    CONSTRUCTION = "construction", _("Construction")
    RETAIL = "retail", _("Retail and distribution")
    PUBLIC = "public", _("Public sector")
    OTHER = "other", _("Other")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


# The lifecycle of domain.md: potential -> current -> lost -> won back (current again).
LIFECYCLE_TRANSITIONS: dict[str, frozenset[str]] = {
    Lifecycle.POTENTIAL: frozenset({Lifecycle.CURRENT}),
    Lifecycle.CURRENT: frozenset({Lifecycle.LOST}),
    Lifecycle.LOST: frozenset({Lifecycle.CURRENT}),
}


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# What a user sets on a customer: the form, the API, the export and import columns and the services
# all take these. Not here: the lost reason and date, which the lifecycle step records, the tags,
# a relation of their own, and the name's sort key (CUSTOMER_DERIVED_FIELDS).
CUSTOMER_EDITABLE_FIELDS = (
    "code",
    "name",
    "scope",
    "chain_position",
    "lifecycle",
    "tier",
    "potential_source",
    "region",
    "industry",
    "annual_volume",
    "owner",
    "phone",
    "email",
    "address",
    "notes",
)

# Derived from an editable field whenever the record is saved, never set by a user: {sort key: the
# field it sorts}. Form, API, export and import leave them out; a bulk write (the import) fills them
# with `derived_fields_fill`, as save() does.
CUSTOMER_DERIVED_FIELDS = {"name_sort": "name"}
SEGMENT_DERIVED_FIELDS = {"name_sort": "name"}


def derived_fields_fill(instance, changed: Iterable[str] | None = None) -> set[str]:
    """Fill the sort keys of a Customer or Segment from their fields, those of the `changed` fields
    only when given; returns the names of the sort keys filled, to be written with them."""
    changed = None if changed is None else set(changed)
    filled = set()
    for derived, source in instance.DERIVED_FIELDS.items():
        if changed is None or source in changed:
            setattr(instance, derived, name_sort_key(getattr(instance, source)))
            filled.add(derived)
    return filled


def _save_with_derived_fields(instance, kwargs: dict) -> None:
    update_fields = kwargs.get("update_fields")
    filled = derived_fields_fill(instance, update_fields)
    if update_fields is not None and filled:
        kwargs["update_fields"] = {*update_fields, *filled}


class Customer(TimeStampedModel):
    audit_ignore = tuple(CUSTOMER_DERIVED_FIELDS)  # sort keys follow the name: no history of their own
    DERIVED_FIELDS = CUSTOMER_DERIVED_FIELDS

    code = models.CharField(
        _("customer code"),
        max_length=32,
        unique=True,
        help_text=_("Your own identifier; re-imports match customers by it."),
    )
    name = models.CharField(_("name"), max_length=200, db_index=True)
    # Lists sort by this, not by the name: Chinese names by their pinyin (core.text.name_sort_key).
    name_sort = models.CharField(max_length=NAME_SORT_KEY_LENGTH, blank=True, default="", editable=False)
    scope = models.CharField(_("internal/external"), max_length=10, choices=Scope.choices, default=Scope.EXTERNAL)
    chain_position = models.CharField(
        _("intermediate/end"), max_length=12, choices=ChainPosition.choices, default=ChainPosition.END
    )
    lifecycle = models.CharField(_("lifecycle"), max_length=10, choices=Lifecycle.choices, default=Lifecycle.CURRENT)
    tier = models.CharField(_("key/general"), max_length=10, choices=Tier.choices, default=Tier.GENERAL)
    potential_source = models.CharField(
        _("source of potential customer"), max_length=12, choices=PotentialSource.choices, blank=True
    )
    region = models.CharField(_("region"), max_length=12, choices=Region.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=16, choices=Industry.choices, blank=True)
    annual_volume = models.DecimalField(
        _("annual volume (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_customers",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    lost_reason = models.TextField(_("reason lost"), blank=True)
    lost_reason_category = models.CharField(
        _("why lost"), max_length=20, choices=LossReason.choices, blank=True, db_index=True
    )
    lost_at = models.DateTimeField(_("lost at"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name_sort", "name", "id"]
        permissions = [
            ("import_customer", _("Can import customers")),
            ("export_customer", _("Can export customers")),
            ("change_any_customer", _("Can change customers owned by others")),
        ]
        indexes = [
            models.Index(fields=["scope", "name"]),
            models.Index(fields=["chain_position", "name"]),
            models.Index(fields=["lifecycle", "name"]),
            models.Index(fields=["tier", "name"]),
            models.Index(fields=["region", "name"]),
            models.Index(fields=["industry", "name"]),
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["name_sort", "id"], name="customer_name_sort"),
            models.Index(fields=["-updated_at"]),
            models.Index(fields=["-annual_volume"]),
            models.Index(Upper("code"), name="customer_code_upper"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lifecycle="potential") | models.Q(potential_source=""),
                name="customer_potential_source_only_for_potential",
            ),
            models.CheckConstraint(
                condition=models.Q(annual_volume__isnull=True) | models.Q(annual_volume__gte=0),
                name="customer_annual_volume_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    def save(self, *args, **kwargs) -> None:
        _save_with_derived_fields(self, kwargs)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.lifecycle != Lifecycle.POTENTIAL and self.potential_source:
            raise ValidationError(
                {"potential_source": _("Only a potential customer has a source; clear it or set the lifecycle.")}
            )
        if self.code:
            self.code = self.code.strip()


class LifecycleChange(models.Model):
    """Every lifecycle step with its reason: lost-business analysis and win-backs read from here."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="lifecycle_changes")
    from_state = models.CharField(_("from"), max_length=10, choices=Lifecycle.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=10, choices=Lifecycle.choices)
    reason = models.TextField(_("reason"), blank=True)
    reason_category = models.CharField(_("why lost"), max_length=20, choices=LossReason.choices, blank=True)
    is_win_back = models.BooleanField(_("win-back"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("lifecycle change")
        verbose_name_plural = _("lifecycle changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer.code}: {self.from_state or '-'} -> {self.to_state}"


# What a user sets on a contact (form, API, services). The consent dates follow from survey_consent.
CONTACT_EDITABLE_FIELDS = ("name", "role", "phone", "email", "preferred_language", "survey_consent", "is_primary")


class Contact(TimeStampedModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    survey_consent = models.BooleanField(_("consents to surveys"), default=False)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name", "id"]
        indexes = [models.Index(fields=["name"])]
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="contact_unique_name_per_customer"),
            models.CheckConstraint(
                condition=models.Q(survey_consent=False) | models.Q(consent_at__isnull=False),
                name="contact_consent_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def may_be_surveyed(self) -> bool:
        return self.survey_consent and self.consent_withdrawn_at is None


class Segment(TimeStampedModel):
    """A named, saved filter over customers. `criteria` holds CustomerFilter's query parameters."""

    audit_ignore = tuple(SEGMENT_DERIVED_FIELDS)  # sort keys follow the name: no history of their own

    DERIVED_FIELDS = SEGMENT_DERIVED_FIELDS

    name = models.CharField(_("name"), max_length=120, unique=True)
    name_sort = models.CharField(max_length=NAME_SORT_KEY_LENGTH, blank=True, default="", editable=False, db_index=True)
    description = models.TextField(_("description"), blank=True)
    criteria = models.JSONField(_("criteria"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name_sort", "name"]
        permissions = [("change_any_segment", _("Can change segments created by others"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:segment_detail", args=[self.pk])

    def save(self, *args, **kwargs) -> None:
        _save_with_derived_fields(self, kwargs)
        super().save(*args, **kwargs)


class ImportBatch(TimeStampedModel):
    """An uploaded customer file between preview and commit. The file lives in private storage."""

    audit_ignore = (
        "stored_path",
        "sample",
        "other_encodings",
    )  # internal bookkeeping, not part of the record's history

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        PREVIEWED = "previewed", _("Checked, waiting for confirmation")
        INVALID = "invalid", _("Has errors")
        QUEUED = "queued", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=255)
    file_format = models.CharField(_("format"), max_length=8)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, db_index=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("new customers"), default=0)
    updated_count = models.PositiveIntegerField(_("updated customers"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged customers"), default=0)
    contact_count = models.PositiveIntegerField(_("contacts"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How the file was read, for the preview to show: its first rows as cells, and the other text
    # encodings that also decode it (the page offers to read it again in one of them).
    sample = models.JSONField(default=list, blank=True)
    other_encodings = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name


class SatisfactionDimension(models.Model):
    """A satisfaction dimension (满意维度) from the library shared by surveys, visits and reports.

    Names are data in both languages, not interface strings: organisations add their own.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("default weight"),
        max_digits=5,
        decimal_places=2,
        default=1,
        help_text=_("Importance weight used by the satisfaction index unless a questionnaire sets its own."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("satisfaction dimension")
        verbose_name_plural = _("satisfaction dimensions")
        ordering = ["position", "code"]
        constraints = [models.CheckConstraint(condition=models.Q(weight__gt=0), name="dimension_weight_positive")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self, "name")
