"""Demo complaints for `manage.py seed_demo`: about fifteen complaints across the workflow (received
to closed, one reopened, one withdrawn, one rejected), with severities, categories, channels,
assignees, root causes and corrective actions (one verified effective); some are past their SLA.

Everything goes through complaints.services; received times and workflow steps carry explicit
past timestamps where the services take them (`received_at`, `now`).
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from complaints import services
from complaints.models import (
    Action,
    CalendarDay,
    CloseReason,
    Complaint,
    ComplaintCategory,
    CorrectiveAction,
    Kind,
)
from customers.models import Customer, Lifecycle, Scope
from visits.models import VisitIssue

MARKER = "[demo]"  # in product_reference: how a later run knows the demo complaints are there

# (days ago, channel, severity, category, subject, description, final step, assignee, kind)
COMPLAINTS = [
    (
        0.1,
        "hotline",
        "critical",
        "product-defect",
        "泵体漏油，产线停机",
        "今天上午安装的两台泵出现漏油，导致整条产线停机，要求立即派人处理。",
        "received",
        None,
        Kind.COMPLAINT,
    ),
    (
        3,
        "email",
        "high",
        "delivery-late",
        "Order delayed for the second time",
        "Our order was promised for last Monday and has still not been shipped. Please confirm a firm date.",
        "received",
        None,
        Kind.COMPLAINT,
    ),
    (
        2,
        "hotline",
        "medium",
        "service-response",
        "售后电话无人接听",
        "连续两天拨打售后热线无人接听，设备报警代码E07无法解除。",
        "acknowledged",
        "staff",
        Kind.COMPLAINT,
    ),
    (
        12,
        "letter",
        "high",
        "product-spec",
        "Flow rate below the datasheet",
        "Measured flow rate is 12% below the value in the datasheet for model CP-200 at the rated head.",
        "acknowledged",
        "staff2",
        Kind.COMPLAINT,
    ),
    (
        6,
        "web_form",
        "medium",
        "delivery-damage",
        "货物运输途中损坏",
        "收到的三箱配件外包装破损，其中两件法兰变形，附照片。",
        "assessed",
        "staff",
        Kind.COMPLAINT,
    ),
    (
        20,
        "hotline",
        "critical",
        "product-defect",
        "电机烧毁，要求赔偿",
        "新购电机运行一周后烧毁，造成停产损失，要求更换并赔偿。",
        "investigating",
        "staff",
        Kind.COMPLAINT,
    ),
    (
        9,
        "email",
        "high",
        "billing-invoice",
        "Invoice amount does not match the order",
        "Invoice INV-2026-0871 charges 120 units; we ordered and received 100.",
        "investigating",
        "staff2",
        Kind.COMPLAINT,
    ),
    (
        10,
        "hotline",
        "medium",
        "service-attitude",
        "服务工程师态度差",
        "上门服务的工程师态度冷淡，未解释故障原因就离开。",
        "resolved",
        "staff",
        Kind.COMPLAINT,
    ),
    (
        25,
        "exhibition",
        "low",
        "delivery-wrong",
        "Wrong spare part delivered",
        "We received seal kit SK-40 instead of SK-45.",
        "resolved",
        "staff2",
        Kind.COMPLAINT,
    ),
    (
        40,
        "hotline",
        "high",
        "product-defect",
        "密封件批次性泄漏",
        "同一批次（B2609）密封件在多台设备上出现泄漏。",
        "closed",
        "staff",
        Kind.COMPLAINT,
    ),
    (
        30,
        "email",
        "medium",
        "billing-price",
        "Price increase without notice",
        "The unit price went up 6% on the last order without prior notice.",
        "closed",
        "staff2",
        Kind.COMPLAINT,
    ),
    (
        50,
        "letter",
        "low",
        "service-after-sales",
        "保修期内收取上门费",
        "设备仍在保修期内，却被收取了上门服务费200元。",
        "closed",
        "staff",
        Kind.COMPLAINT,
    ),
    (
        35,
        "hotline",
        "high",
        "product-defect",
        "Pump vibration returns after repair",
        "The vibration problem came back two weeks after the repair visit.",
        "reopened",
        "staff2",
        Kind.COMPLAINT,
    ),
    (8, "hotline", "medium", "delivery-late", "交货延迟", "订单交期延误三天。", "withdrawn", "staff", Kind.COMPLAINT),
    (
        15,
        "email",
        "low",
        "billing-price",
        "Discount not applied",
        "We expected the volume discount on order PO-5521.",
        "rejected",
        "staff2",
        Kind.COMPLAINT,
    ),
    (
        5,
        "hotline",
        "low",
        None,
        "感谢售后团队快速响应",
        "王工当天到场解决问题，非常专业，特此表扬。",
        "received",
        None,
        Kind.COMPLIMENT,
    ),
    (
        4,
        "email",
        "low",
        None,
        "Suggestion: online order tracking",
        "It would help if we could track our orders online.",
        "received",
        None,
        Kind.SUGGESTION,
    ),
]

# The path of steps to each final state (the reopened one goes through closed first).
PATHS = {
    "received": [],
    "acknowledged": [Action.ACKNOWLEDGE],
    "assessed": [Action.ACKNOWLEDGE, Action.ASSESS],
    "investigating": [Action.ACKNOWLEDGE, Action.ASSESS, Action.INVESTIGATE],
    "resolved": [Action.ACKNOWLEDGE, Action.ASSESS, Action.INVESTIGATE, Action.RESOLVE],
    "closed": [Action.ACKNOWLEDGE, Action.ASSESS, Action.INVESTIGATE, Action.RESOLVE, Action.CLOSE],
    "reopened": [Action.ACKNOWLEDGE, Action.ASSESS, Action.INVESTIGATE, Action.RESOLVE, Action.CLOSE, Action.REOPEN],
    "withdrawn": [Action.ACKNOWLEDGE, Action.WITHDRAW],
    "rejected": [Action.ACKNOWLEDGE, Action.ASSESS, Action.REJECT],
}
WHYS = {
    "product-defect": ["密封件硬度不足", "Supplier changed the rubber compound", "来料检验未覆盖硬度项目"],
    "billing-invoice": ["Invoice raised from the order, not the delivery note", "ERP 未关联发货单数量"],
}
RESOLUTIONS = [
    "已更换故障部件并对客户设备进行全面检测，运行正常。",
    "Credit note issued for the difference and the corrected invoice sent.",
    "更换正确配件，并补发缺失物料。",
    "Engineer re-balanced the impeller on site; vibration within limits.",
]


def _step_kwargs(action: str) -> dict:
    if action == Action.RESOLVE:
        return {"resolution": random.Random(action).choice(RESOLUTIONS)}
    if action == Action.CLOSE:
        return {"close_reason": CloseReason.ACCEPTED, "comment": "客户确认满意 / Customer confirmed"}
    if action == Action.REOPEN:
        return {"comment": "Customer reports the problem again after the fix. 客户反馈问题复发。"}
    if action == Action.WITHDRAW:
        return {"reason": "客户自行协调，撤回投诉。"}
    if action == Action.REJECT:
        return {"reason": "The discount applies from 500 units; the order was for 300."}
    return {}


# China's 2026 public holidays and make-up working days (调休), as the State Council's notice
# announced them: demo data for the business-hours SLA, entered like an administrator would (the
# admin's holiday calendar). Check them against the notice before relying on them; add each new
# year's when it is published.
HOLIDAYS_2026 = [
    ("2026-01-01", "2026-01-03", "元旦"),
    ("2026-02-15", "2026-02-23", "春节"),
    ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"),
    ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"),
    ("2026-10-01", "2026-10-07", "国庆节"),
]
WORKDAYS_2026 = [
    ("2026-01-04", "元旦调休"),
    ("2026-02-14", "春节调休"),
    ("2026-02-28", "春节调休"),
    ("2026-05-09", "劳动节调休"),
    ("2026-09-20", "国庆节调休"),
    ("2026-10-10", "国庆节调休"),
]


def seed_calendar() -> int:
    """The 2026 holiday calendar, once (existing dates are left as they are). Returns rows added."""
    rows = []
    for first, last, name in HOLIDAYS_2026:
        day, end = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
        while day <= end:
            rows.append(CalendarDay(date=day, kind=CalendarDay.Kind.HOLIDAY, name=name))
            day += datetime.timedelta(days=1)
    rows += [
        CalendarDay(date=datetime.date.fromisoformat(day), kind=CalendarDay.Kind.WORKDAY, name=name)
        for day, name in WORKDAYS_2026
    ]
    known = set(CalendarDay.objects.filter(date__in=[r.date for r in rows]).values_list("date", flat=True))
    new = [r for r in rows if r.date not in known]
    for row in new:
        row.save()  # one by one: saving empties the SLA calendar cache (complaints.services.common)
    return len(new)


def seed(*, users: dict, rng: random.Random) -> None:
    seed_calendar()
    if Complaint.objects.filter(product_reference__startswith=MARKER).exists():
        return
    manager = users["manager"]
    now = timezone.now()
    customers = list(
        Customer.objects.filter(code__startswith="DEMO-", scope=Scope.EXTERNAL, lifecycle=Lifecycle.CURRENT)
        .prefetch_related("contacts")
        .order_by("code")
    )
    chosen = rng.sample(customers, min(len(COMPLAINTS), len(customers)))
    categories = {c.code: c for c in ComplaintCategory.objects.filter(is_active=True)}
    for number, (spec, customer) in enumerate(zip(COMPLAINTS, chosen, strict=False), start=1):
        days, channel, severity, category, subject, description, final, assignee, kind = spec
        received_at = now - datetime.timedelta(days=days)
        contact = next(iter(sorted(customer.contacts.all(), key=lambda c: (not c.is_primary, c.pk))), None)
        complaint = services.complaint_open(
            actor=manager,
            customer=customer,
            contact=contact,
            channel=channel,
            severity=severity,
            kind=kind,
            category=categories.get(category),
            subject=subject,
            description=description,
            product_reference=f"{MARKER} CP-{200 + number * 10}",
            batch_reference=f"B26{rng.randint(1, 12):02d}" if category == "product-defect" else "",
            received_at=received_at,
        )
        worker = users[assignee] if assignee else manager
        if assignee:
            services.complaint_assign(actor=manager, complaint=complaint, assignee=worker)
        steps = PATHS[final]
        for index, action in enumerate(steps, start=1):
            # Spread the steps over the time since receipt; the last of a finished path lands today.
            at = received_at + (now - received_at) * index / (len(steps) + (0 if final == "closed" else 1))
            if action == Action.INVESTIGATE and severity in ("high", "critical"):
                services.root_cause_record(
                    actor=worker,
                    complaint=complaint,
                    category=rng.choice(["material", "method", "machine", "man"]),
                    whys=WHYS.get(category, WHYS["product-defect"]),
                )
            if action == Action.CLOSE and final == "closed" and category == "product-defect":
                # The verified corrective action: done before closing, checked effective.
                corrective = services.corrective_action_add(
                    actor=worker,
                    complaint=complaint,
                    kind=CorrectiveAction.Kind.CORRECTIVE,
                    description="来料检验增加邵氏硬度检测；更换密封件供应商。Add hardness check at incoming inspection.",
                    owner=users["staff"],
                    due_date=timezone.localdate() - datetime.timedelta(days=3),
                )
                services.corrective_action_complete(actor=worker, action=corrective, note="Supplier audit passed.")
                extra = {}
                waited = now - datetime.timedelta(days=corrective.verification_wait_days + 1)
                if waited > received_at:
                    # Done long enough ago for its effectiveness check (the waiting period is over).
                    CorrectiveAction.objects.filter(pk=corrective.pk).update(done_at=waited)
                    corrective.refresh_from_db()
                    services.corrective_action_verify(
                        actor=manager,
                        action=corrective,
                        result=CorrectiveAction.Result.EFFECTIVE,
                        evidence="后续三批次抽检无泄漏 / No leaks in the next three batches.",
                    )
                else:
                    # Too recent to verify: closed by a recorded decision, shown on the 8D report.
                    extra["early_close_reason"] = (
                        "客户要求先行关闭，30 天后验证。 / The customer asked to close; checked in 30 days."
                    )
                at = now
            else:
                extra = {}
            complaint = services.complaint_transition(
                actor=worker, complaint=complaint, action=action, now=min(at, now), **_step_kwargs(action), **extra
            )
        if final == "investigating" and severity == "critical":
            services.corrective_action_add(
                actor=worker,
                complaint=complaint,
                kind=CorrectiveAction.Kind.CONTAINMENT,
                description="隔离同批次库存电机，逐台检测绝缘电阻。",
                owner=worker,
                due_date=timezone.localdate() - datetime.timedelta(days=2),  # overdue
            )
    # An issue raised on a recorded demo visit, turned into a complaint.
    issue = VisitIssue.objects.filter(complaints__isnull=True, visit__plan__isnull=False).order_by("pk").first()
    if issue is not None:
        complaint = services.complaint_open_from_visit_issue(actor=manager, issue=issue)
        services.complaint_assign(actor=manager, complaint=complaint, assignee=users["staff"])
