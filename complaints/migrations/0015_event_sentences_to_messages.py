"""Timeline lines written before 0012 stored the system's sentence in the writer's language (the
escalation sweep's rule name in English, the channel of receipt in whoever logged it): turn the ones
the system wrote into message codes and parameters (complaints.event_text), so that they read in
the reader's language. The sentences are matched in both languages as the code and the catalogue
wrote them; anything else (what a person typed) stays a comment.

Reversing writes the English sentences back."""

import re

from django.db import migrations

CHANNELS = {
    "hotline": ("Customer hotline", "顾客热线"),
    "letter": ("Letter", "来信"),
    "visit": ("Visit", "来访"),
    "email": ("E-mail", "电子邮件"),
    "web_form": ("Web form", "网页表单"),
    "api": ("API", "API"),
    "exhibition": ("Exhibition or event", "展会或活动"),
    "other": ("Other", "其他"),
}
RESULTS = {"effective": ("Effective", "有效"), "not_effective": ("Not effective", "无效")}

# (kind, message, [patterns in English and Chinese]); the named groups are the parameters.
PATTERNS = [
    ("action", "action_done", [r"Done: (?P<action>.+)", r"已完成：(?P<action>.+)"]),
    ("action", "action_verified", [r"Effectiveness checked: (?P<result>.+)", r"已验证有效性：(?P<result>.+)"]),
    (
        "note",
        "rated",
        [
            r"Customer rated the handling (?P<rating>\d) of 5\.\s*(?P<comment>.*)",
            r"顾客对处理的评分为 (?P<rating>\d) 分（满分 5 分）。(?P<comment>.*)",
        ],
    ),
    (
        "transition",
        "reopened_by_rating",
        [
            r"Reopened: the customer rated the handling (?P<rating>\d) of 5\.",
            r"已重新打开：顾客对处理的评分为 (?P<rating>\d) 分（满分 5 分）。",
        ],
    ),
    ("transition", "closed_unanswered", [r"Closed automatically: no answer from the customer\.", r"自动关闭：顾客未答复。"]),
    ("assignment", "assigned", [r"Unassigned", r"未分派"]),
]


def _code_of(labels: dict, text: str) -> str | None:
    return next((code for code, names in labels.items() if text in names), None)


def _message_of(event, rules) -> tuple[str, dict] | None:
    comment = event.comment.strip()
    if event.kind == "received":
        code = _code_of(CHANNELS, comment)
        return ("received", {"channel": code}) if code else None
    if event.kind == "escalation":
        for rule in rules:
            for name in filter(None, (rule.name, rule.name_zh)):
                if comment.startswith(f"{name} → "):
                    notified = comment[len(name) + 3 :]
                    parameters = {"rule": rule.code, "rule_en": rule.name, "rule_zh": rule.name_zh}
                    return "escalation", {**parameters, "notified": "" if notified == "—" else notified}
        return None
    for kind, message, patterns in PATTERNS:
        if event.kind != kind:
            continue
        for pattern in patterns:
            match = re.fullmatch(pattern, comment, flags=re.DOTALL)
            if match is None:
                continue
            parameters = match.groupdict()
            if "rating" in parameters:
                parameters["rating"] = int(parameters["rating"])
            if message == "action_verified":
                code = _code_of(RESULTS, parameters["result"])
                if code is None:
                    return None
                parameters["result"] = code
            return message, parameters
    return None


def sentences_to_messages(apps, schema_editor):
    ComplaintEvent = apps.get_model("complaints", "ComplaintEvent")
    EscalationRule = apps.get_model("complaints", "EscalationRule")
    rules = sorted(EscalationRule.objects.all(), key=lambda r: -len(r.name))  # the longest name first
    changed = []
    for event in ComplaintEvent.objects.filter(message="").exclude(comment="").only("kind", "comment"):
        found = _message_of(event, rules)
        if found is None:
            continue
        event.message, event.parameters = found
        event.comment = ""
        changed.append(event)
    ComplaintEvent.objects.bulk_update(changed, ["message", "parameters", "comment"], batch_size=2000)


def messages_to_sentences(apps, schema_editor):
    ComplaintEvent = apps.get_model("complaints", "ComplaintEvent")
    changed = []
    for event in ComplaintEvent.objects.exclude(message=""):
        p = event.parameters or {}
        english = {
            "received": CHANNELS.get(p.get("channel"), ("",))[0],
            "escalation": f"{p.get('rule_en', '')} → {p.get('notified') or '—'}",
            "action_added": p.get("action", ""),
            "action_done": f"Done: {p.get('action', '')}",
            "action_verified": f"Effectiveness checked: {RESULTS.get(p.get('result'), ('',))[0]}",
            "rated": f"Customer rated the handling {p.get('rating')} of 5. {p.get('comment', '')}".strip(),
            "reopened_by_rating": f"Reopened: the customer rated the handling {p.get('rating')} of 5.",
            "acknowledgement_sent": p.get("email", ""),
            "closed_unanswered": "Closed automatically: no answer from the customer.",
            "assigned": ", ".join(n for n in (p.get("assignee"), p.get("team")) if n) or "Unassigned",
        }.get(event.message, "")
        event.comment = "\n".join(part for part in (english, event.comment) if part)
        event.message, event.parameters = "", {}
        changed.append(event)
    ComplaintEvent.objects.bulk_update(changed, ["message", "parameters", "comment"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0014_event_message_parameters")]

    operations = [migrations.RunPython(sentences_to_messages, messages_to_sentences)]
