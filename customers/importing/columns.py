"""The import's column vocabulary, read by every stage: which columns there are, which the file must
have, the headers users write for them, and which customer and contact fields they fill."""

from __future__ import annotations

import unicodedata

from ..exporting import EXPORT_COLUMNS
from ..models import CUSTOMER_EDITABLE_FIELDS

IMPORT_COLUMNS = (*EXPORT_COLUMNS, "lifecycle_reason")
REQUIRED_COLUMNS = ("code", "name")

# The customer fields a row sets as the file writes them. The other editable fields each take a step
# of their own: the code is the key customers are matched by, the lifecycle changes as a lifecycle
# step (an allowed transition, a reason, a LifecycleChange row), and the owner is a username looked up.
CUSTOMER_COPIED_FIELDS = tuple(name for name in CUSTOMER_EDITABLE_FIELDS if name not in {"code", "lifecycle", "owner"})
AUDITED_CUSTOMER_FIELDS = (*CUSTOMER_EDITABLE_FIELDS, "lost_reason", "lost_at")
CONTACT_COLUMNS = {
    "contact_role": "role",
    "contact_phone": "phone",
    "contact_email": "email",
    "contact_language": "preferred_language",
}
AUDITED_CONTACT_FIELDS = (
    "customer",
    "name",
    "role",
    "phone",
    "email",
    "preferred_language",
    "survey_consent",
    "consent_at",
    "consent_withdrawn_at",
    "is_primary",
)
# A blank cell in these columns keeps the current value (or the default for a new record): they
# cannot be empty, and a half-filled sheet should not fail on them.
KEEP_WHEN_BLANK = frozenset({"scope", "chain_position", "lifecycle", "tier", "contact_language", "contact_consent"})

# Headers that Chinese users write, besides the column names and the fields' verbose names in
# English and Chinese.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("客户编码", "顾客编码", "客户代码", "客户编号", "编码"),
    "name": ("客户名称", "顾客名称", "名称"),
    "scope": ("内部/外部", "内外部"),
    "chain_position": ("中间/最终",),
    "lifecycle": ("生命周期",),
    "tier": ("关键/一般",),
    "potential_source": ("潜在顾客来源", "潜在客户来源", "来源"),
    "region": ("区域", "地区"),
    "industry": ("行业",),
    "annual_volume": ("年采购额", "年采购量", "年采购金额"),
    "owner": ("客户经理",),
    "phone": ("电话",),
    "email": ("邮箱", "电子邮件", "电子邮箱"),
    "address": ("地址",),
    "notes": ("备注",),
    "tags": ("标签",),
    "contact_name": ("联系人", "联系人姓名"),
    "contact_role": ("联系人职务",),
    "contact_phone": ("联系人电话",),
    "contact_email": ("联系人邮箱",),
    "contact_language": ("联系人语言",),
    "contact_consent": ("同意调查",),
    "lifecycle_reason": ("生命周期原因", "变更原因"),
}


def match_key(text: str) -> str:
    """How headers and choice values are compared: width-folded (NFKC), case-folded, without spaces,
    underscores, hyphens or the asterisk that templates put on required columns."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "_-*\ufeff")
