"""Demo visits for `manage.py seed_demo`: two scheduled plans, their visits over the last cycles
(most recorded with scores, a few left overdue), and visits due today for `staff`.

Everything goes through visits.services. Past cycles come from the scheduler run with an earlier
`now`, which gives those visits their past due dates; nothing is written to the tables directly.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from customers import services as customer_services
from customers.models import Lifecycle, SatisfactionDimension, Segment
from visits import services
from visits.models import Cadence, Channel, Purpose, Visit, VisitPlan

# Plans carry both languages (name in English, name_zh in Chinese); segments are the organisation's
# own data, named in its language.
KEY_PLAN = "Key customers, monthly follow-up visit"
KEY_PLAN_ZH = "关键顾客月度回访"
GENERAL_PLAN = "General customers, quarterly follow-up call"
GENERAL_PLAN_ZH = "一般顾客季度电话回访"
KEY_SEGMENT = "华东关键外部最终顾客"
GENERAL_SEGMENT = "一般外部顾客"

SUMMARIES = [
    "与采购经理会谈，对交付及时性表示满意，计划下季度增加订单。",
    "现场查看设备运行情况，整体稳定；客户希望缩短备件交货期。",
    "Met the purchasing manager; satisfied with quality, asked for a price review next year.",
    "Reviewed open orders with the plant manager. Delivery is on track; documentation could be clearer.",
    "与质量工程师讨论上批次来料检验结果，无异常。",
    "Phone call with the buyer: no open issues, interested in the new product line.",
    "客户对售后响应速度有意见，已承诺两周内安排工程师上门。",
]
NEXT_STEPS = [
    "寄送新产品样本及报价。",
    "Send the updated delivery schedule by Friday.",
    "安排技术培训。",
    "",
]
ISSUES = [
    {"description": "最近两批货物外包装破损，客户要求改进包装。", "severity": "medium"},
    {"description": "Spare parts lead time of six weeks is too long for the customer.", "severity": "high"},
    {"description": "发票抬头错误，需重新开具。", "severity": "low"},
]


def segment_get_or_create(manager, name: str, description: str, criteria: dict) -> Segment:
    segment = Segment.objects.filter(name=name).first()
    if segment is None:
        segment = customer_services.segment_create(actor=manager, name=name, description=description, criteria=criteria)
    return segment


def seed(*, users: dict, rng: random.Random) -> None:
    if VisitPlan.objects.filter(name__in=[KEY_PLAN, GENERAL_PLAN]).exists():
        return
    manager, staff = users["manager"], users["staff"]
    now = timezone.now()
    today = timezone.localdate()
    key_segment = segment_get_or_create(
        manager,
        KEY_SEGMENT,
        "Key external end customers in East China",
        {"scope": "external", "chain_position": "end", "tier": "key", "region": ["east"], "lifecycle": "current"},
    )
    general_segment = segment_get_or_create(
        manager,
        GENERAL_SEGMENT,
        "Current external customers of the general tier",
        {"scope": "external", "tier": "general", "lifecycle": "current"},
    )
    common = {"trigger": "schedule", "assignment": "owner", "time_zone": "Asia/Shanghai", "horizon_days": 14}
    services.visit_plan_create(
        actor=manager,
        data={
            **common,
            "name": KEY_PLAN,
            "name_zh": KEY_PLAN_ZH,
            "segment": key_segment,
            "cadence": Cadence.MONTHLY,
            "anchor_day": 10,
            "channel": Channel.ON_SITE,
            "purpose": Purpose.RELATIONSHIP,
        },
    )
    services.visit_plan_create(
        actor=manager,
        data={
            **common,
            "name": GENERAL_PLAN,
            "name_zh": GENERAL_PLAN_ZH,
            "segment": general_segment,
            "cadence": Cadence.QUARTERLY,
            "anchor_day": 75,
            "channel": Channel.PHONE,
            "purpose": Purpose.SATISFACTION,
        },
    )
    # The scheduler as it ran in earlier cycles (past due dates), then today's run.
    for days_ago in (120, 61, 31, 0):
        services.visits_schedule_due(now=now - datetime.timedelta(days=days_ago))

    dimensions = list(SatisfactionDimension.objects.filter(is_active=True).order_by("position"))
    past = list(
        Visit.objects.filter(plan__name__in=[KEY_PLAN, GENERAL_PLAN], status=Visit.Status.PLANNED, due_date__lt=today)
        .select_related("customer", "assignee")
        .order_by("due_date", "pk")
    )
    overdue = set(rng.sample(range(len(past)), min(5, len(past))))
    with_issue = 0
    for index, visit in enumerate(past):
        if index in overdue:
            continue
        visited_on = min(visit.due_date + datetime.timedelta(days=rng.randint(0, 4)), today)
        contact = visit.customer.contacts.order_by("-is_primary", "pk").first()
        issues = []
        if with_issue < len(ISSUES) and rng.random() < 0.12:
            issues = [ISSUES[with_issue]]
            with_issue += 1
        scores = {d.pk: rng.choices([2, 3, 4, 5], [1, 3, 6, 4])[0] for d in dimensions if rng.random() < 0.85}
        services.visit_record(
            actor=visit.assignee or manager,
            visit=visit,
            visited_on=visited_on,
            summary=rng.choice(SUMMARIES),
            contact_ids=[contact.pk] if contact else [],
            scores=scores,
            issues=issues,
            next_steps=rng.choice(NEXT_STEPS),
        )

    # A few calls planned by hand for `staff`, due today.
    own = list(staff.owned_customers.exclude(lifecycle=Lifecycle.LOST).order_by("code")[:3])
    for customer, purpose in zip(own, [Purpose.SATISFACTION, Purpose.RELATIONSHIP, Purpose.PROSPECT], strict=False):
        services.visit_create(
            actor=manager,
            customer=customer,
            due_date=today,
            channel=Channel.PHONE if purpose != Purpose.PROSPECT else Channel.ON_SITE,
            purpose=purpose,
            assignee=staff,
        )
