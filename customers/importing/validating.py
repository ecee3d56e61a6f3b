"""Validating rows: each cell parsed by a form field (choices by code, label or synonym, yes/no,
amounts as Excel writes them), the rules that span a row's columns, and the errors by row and column."""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from ..forms import TagsField
from ..models import (
    ChainPosition,
    Contact,
    Customer,
    Industry,
    Language,
    Lifecycle,
    PotentialSource,
    Region,
    Scope,
    Tag,
    Tier,
)
from .columns import CONTACT_COLUMNS, KEEP_WHEN_BLANK, match_key
from .reading import Table

# Enough errors to fix a file; a wrong file (every row bad) would otherwise store millions.
ERRORS_KEPT = 10_000

# Values that Chinese users write, besides each choice's code and its label in English and Chinese.
CHOICE_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "scope": {Scope.EXTERNAL: ("外部", "外部顾客", "外部客户"), Scope.INTERNAL: ("内部", "内部顾客", "内部客户")},
    "chain_position": {
        ChainPosition.END: ("最终", "最终顾客", "最终客户", "终端客户"),
        ChainPosition.INTERMEDIATE: ("中间", "中间顾客", "中间客户"),
    },
    "lifecycle": {
        Lifecycle.POTENTIAL: ("潜在", "潜在顾客", "潜在客户"),
        Lifecycle.CURRENT: ("现实", "现实顾客", "现实客户", "当前客户", "现有客户"),
        Lifecycle.LOST: ("流失", "流失顾客", "流失客户", "离去的顾客"),
    },
    "tier": {Tier.KEY: ("关键", "关键顾客", "关键客户"), Tier.GENERAL: ("一般", "一般顾客", "一般客户")},
    "potential_source": {
        PotentialSource.REGION: ("新区域", "区域"),
        PotentialSource.STRATUM: ("新阶层", "阶层"),
        PotentialSource.COMPETITOR: ("竞争对手的顾客", "竞争对手的客户", "竞争对手"),
        PotentialSource.NON_USER: ("非使用者", "尚未使用者"),
    },
    "region": {
        Region.EAST: ("华东",),
        Region.NORTH: ("华北",),
        Region.SOUTH: ("华南",),
        Region.CENTRAL: ("华中",),
        Region.SOUTHWEST: ("西南",),
        Region.NORTHWEST: ("西北",),
        Region.NORTHEAST: ("东北",),
        Region.OVERSEAS: ("海外", "国外"),
    },
    "industry": {
        Industry.MANUFACTURING: ("制造", "制造业"),
        Industry.AUTOMOTIVE: ("汽车", "汽车业"),
        Industry.ELECTRONICS: ("电子", "电子业"),
        Industry.ENERGY: ("能源",),
        Industry.HEALTHCARE: ("医疗", "医疗卫生"),
        Industry.CONSTRUCTION: ("建筑", "建筑业"),
        Industry.RETAIL: ("零售", "零售和分销", "零售与分销"),
        Industry.PUBLIC: ("公共部门", "政府"),
        Industry.OTHER: ("其他",),
    },
    "contact_language": {
        Language.ZH_HANS: ("中文", "简体中文", "汉语", "zh", "zh-cn", "chinese"),
        Language.EN: ("英文", "英语", "english"),
    },
}
YES = frozenset({"yes", "y", "true", "1", "是", "同意", "✓"})
NO = frozenset({"no", "n", "false", "0", "否", "不同意"})


class LabelledChoiceField(forms.ChoiceField):
    """A choice given as its code or its label in English or Chinese (External customer, 外部顾客, 外部)."""

    def __init__(self, *, choices, synonyms: dict[str, tuple[str, ...]] | None = None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices=choices, **kwargs)
        self.codes: dict[str, str] = {}
        for code, label in choices:
            self.codes[match_key(code)] = code
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    self.codes.setdefault(match_key(str(label)), code)
            for synonym in (synonyms or {}).get(code, ()):
                self.codes.setdefault(match_key(synonym), code)
        self.accepted = ", ".join(code for code, _label in choices)

    def to_python(self, value):
        text = super().to_python(value)
        return self.codes.get(match_key(text), text) if text else ""

    def validate(self, value):
        if value and not self.valid_value(value):
            raise ValidationError(
                _("“%(value)s” is not a valid value; use one of: %(accepted)s (or their names).")
                % {"value": value, "accepted": self.accepted},
                code="invalid_choice",
            )


class YesNoField(forms.Field):
    """yes/no, 是/否, 1/0, true/false; blank is "not given" (None)."""

    def to_python(self, value):
        text = match_key(value or "")
        if not text:
            return None
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValidationError(_("Write yes or no (是/否)."), code="invalid")


class VolumeField(forms.DecimalField):
    """An amount as Excel formats it: thousands separators and a currency sign are allowed."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate({ord(c): None for c in ",，¥￥ "})
        amount = super().to_python(value)
        # Two places, as the database stores it, so 1000 and 1000.00 compare equal in the audit diff.
        return None if amount is None else amount.quantize(decimal.Decimal("0.01"))


def row_fields() -> dict[str, forms.Field]:
    """The form fields that parse and validate each column. Field limits come from the models."""

    def model_field(model, name: str, **kwargs) -> forms.Field:
        return model._meta.get_field(name).formfield(**kwargs)

    choice_columns = {
        "scope": Scope.choices,
        "chain_position": ChainPosition.choices,
        "lifecycle": Lifecycle.choices,
        "tier": Tier.choices,
        "potential_source": PotentialSource.choices,
        "region": Region.choices,
        "industry": Industry.choices,
        "contact_language": Language.choices,
    }
    fields: dict[str, forms.Field] = {
        column: LabelledChoiceField(choices=choices, synonyms=CHOICE_SYNONYMS.get(column))
        for column, choices in choice_columns.items()
    }
    fields.update(
        {
            "code": model_field(Customer, "code"),
            "name": model_field(Customer, "name"),
            "annual_volume": VolumeField(required=False, max_digits=16, decimal_places=2, min_value=0),
            "owner": forms.CharField(required=False, max_length=150),
            "phone": model_field(Customer, "phone", required=False),
            "email": model_field(Customer, "email", required=False),
            "address": model_field(Customer, "address", required=False),
            "notes": model_field(Customer, "notes", required=False),
            "tags": TagsField(validators=[_tag_lengths_validate]),
            "contact_name": model_field(Contact, "name", required=False),
            "contact_role": model_field(Contact, "role", required=False),
            "contact_phone": model_field(Contact, "phone", required=False),
            "contact_email": model_field(Contact, "email", required=False),
            "contact_consent": YesNoField(required=False),
            "lifecycle_reason": forms.CharField(required=False),
        }
    )
    return fields


def _tag_lengths_validate(names: list[str]) -> None:
    limit = Tag._meta.get_field("name").max_length
    too_long = [n for n in names if len(n) > limit]
    if too_long:
        raise ValidationError(
            _("A tag has at most %(limit)s characters: %(tags)s") % {"limit": limit, "tags": ", ".join(too_long)}
        )


class ErrorLog:
    """Row errors as {row, column, message}; `column` is the header as the file writes it."""

    def __init__(self, header: list[str], columns: dict[str, int]):
        self.headers = {column: header[index] for column, index in columns.items()}
        self.items: list[dict[str, Any]] = []
        self.total = 0
        self.bad_rows: set[int] = set()

    def add(self, row: int, column: str, message: str) -> None:
        self.total += 1
        self.bad_rows.add(row)
        if len(self.items) < ERRORS_KEPT:
            self.items.append({"row": row, "column": self.headers.get(column, column), "message": str(message)})

    def as_list(self) -> list[dict[str, Any]]:
        if self.total <= len(self.items):
            return self.items
        more = {
            "row": None,
            "column": "",
            "message": _("%(count)s more errors are not listed; fix these first.")
            % {"count": f"{self.total - len(self.items):,}"},
        }
        return [*self.items, more]


@dataclass
class CleanRow:
    row: int
    values: dict[str, Any]  # column -> cleaned value, for the columns the file has


def rows_clean(table: Table, columns: dict[str, int], log: ErrorLog) -> list[CleanRow]:
    """Validate every cell with its form field, and the rules that span columns within a row.

    Cells go through the fields directly rather than one Form instance per row: a Form deep-copies
    its 22 fields on creation, 620 µs per row against 60 µs (measured here), 30 s for 50k rows.
    """
    fields = row_fields()
    clean: list[CleanRow] = []
    first_row_of_code: dict[str, int] = {}
    for number, cells in table.rows:
        values: dict[str, Any] = {}
        failed = False
        for column, index in columns.items():
            raw = cells[index] if index < len(cells) else ""
            try:
                value = fields[column].clean(raw)
            except ValidationError as error:
                for message in error.messages:
                    log.add(number, column, message)
                failed = True
                continue
            if not (column in KEEP_WHEN_BLANK and value in ("", None)):
                values[column] = value
        code = values.get("code")
        if code:
            if code in first_row_of_code:
                log.add(
                    number,
                    "code",
                    _("The customer code %(code)s is already used in row %(row)s of this file.")
                    % {"code": code, "row": first_row_of_code[code]},
                )
                failed = True
            else:
                first_row_of_code[code] = number
        if not values.get("contact_name") and any(
            values.get(c) not in ("", None) for c in (*CONTACT_COLUMNS, "contact_consent")
        ):
            log.add(number, "contact_name", _("Give the contact's name: contacts are matched by name."))
            failed = True
        if not failed:
            clean.append(CleanRow(number, values))
    return clean
