from django.db import migrations

from accounts.roles import grant

READ = [
    "complaints.view_complaint",
    "complaints.view_complaintevent",
    "complaints.view_correctiveaction",
    "complaints.view_complaintcategory",
    "complaints.view_slapolicy",
    "complaints.view_calendarday",
    "complaints.view_escalationrule",
    "complaints.view_escalation",
]
WORK = READ + [
    "complaints.add_complaint",
    "complaints.change_complaint",
    "complaints.add_correctiveaction",
    "complaints.change_correctiveaction",
]
CONFIGURE = [
    f"complaints.{verb}_{model}"
    for model in ("complaintcategory", "slapolicy", "calendarday", "escalationrule")
    for verb in ("add", "change", "delete")
]

# (code, English name, parent code): the lead translates names in the UI through the category's own
# data; these are the seeds a new installation starts with, editable in the admin.
CATEGORIES = [
    ("product-quality", "Product quality", None),
    ("product-defect", "Defect or failure", "product-quality"),
    ("product-spec", "Does not meet the specification", "product-quality"),
    ("delivery", "Delivery", None),
    ("delivery-late", "Late delivery", "delivery"),
    ("delivery-damage", "Damaged in transport", "delivery"),
    ("delivery-wrong", "Wrong item or quantity", "delivery"),
    ("service", "Service", None),
    ("service-attitude", "Service attitude", "service"),
    ("service-response", "Response speed", "service"),
    ("service-after-sales", "After-sales service", "service"),
    ("billing", "Billing", None),
    ("billing-invoice", "Invoice error", "billing"),
    ("billing-price", "Price dispute", "billing"),
]

# severity: (acknowledge within working hours, resolve within working days)
SLA = {"critical": (1, 2), "high": (2, 5), "medium": (4, 10), "low": (8, 20)}
KEY_SLA = {"critical": (1, 1), "high": (2, 3)}

RULES = [
    # code, name, level, deadline, offset minutes, audience, only severity
    ("ack-overdue-assignee", "Acknowledgement overdue: tell the assignee", 1, "acknowledge", 0, "assignee", ""),
    ("resolve-warning-assignee", "Resolution due soon: warn the assignee", 1, "resolve", -240, "assignee", ""),
    ("resolve-overdue-manager", "Resolution overdue: tell the department manager", 2, "resolve", 0, "manager", ""),
    ("resolve-overdue-senior", "Critical complaint overdue: tell senior management", 3, "resolve", 60, "senior", "critical"),
]


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            "staff": WORK,
            "manager": WORK + ["complaints.verify_correctiveaction"],
            "admin": WORK + CONFIGURE + ["complaints.verify_correctiveaction"],
            "auditor": READ,
        },
    )
    Category = apps.get_model("complaints", "ComplaintCategory")
    by_code = {}
    for position, (code, name, parent) in enumerate(CATEGORIES):
        by_code[code], _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "parent": by_code.get(parent), "position": position}
        )
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    for tier, table in (("", SLA), ("key", KEY_SLA)):
        for severity, (ack, resolve) in table.items():
            SlaPolicy.objects.get_or_create(
                severity=severity, tier=tier, defaults={"acknowledge_hours": ack, "resolve_days": resolve}
            )
    EscalationRule = apps.get_model("complaints", "EscalationRule")
    for code, name, level, deadline, offset, audience, only in RULES:
        EscalationRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "level": level,
                "deadline": deadline,
                "offset_minutes": offset,
                "audience": audience,
                "only_severity": only,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_workflow_sla_actions"), ("accounts", "0003_team")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
