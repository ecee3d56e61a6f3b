"""Demo data: users for every role, bilingual customers across every segment, and the visits,
complaints and survey responses of those customers (each app's demo module, through its services).

manage.py seed_demo             # the demo set, once (does nothing if it is already there)
manage.py seed_demo --scale N   # add N synthetic customers with a contact each, fast (benchmarks)
"""

from __future__ import annotations

import contextlib
import random
import time
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from complaints import demo as complaints_demo
from customers import services
from customers.models import (
    ChainPosition,
    Contact,
    Customer,
    Industry,
    Lifecycle,
    LossReason,
    PotentialSource,
    Region,
    Scope,
    Segment,
    Tier,
    derived_fields_fill,
)
from surveys import demo as surveys_demo
from visits import demo as visits_demo

DEMO_PASSWORD = "csm-demo-2026"  # noqa: S105 - demo accounts on a local machine, printed by `make run`
DEMO_USERS = [
    ("staff", "张伟", "", "staff", "zh-hans"),
    ("staff2", "Na", "Li", "staff", "en"),
    ("manager", "王芳", "", "manager", "zh-hans"),
    ("auditor", "刘洋", "", "auditor", "zh-hans"),
    ("admin", "Admin", "", "admin", "en"),
]
CITY_BY_REGION = {
    Region.EAST: ["上海", "杭州", "苏州", "南京", "宁波", "合肥"],
    Region.NORTH: ["北京", "天津", "石家庄", "太原"],
    Region.SOUTH: ["广州", "深圳", "东莞", "佛山", "厦门"],
    Region.CENTRAL: ["武汉", "长沙", "郑州", "南昌"],
    Region.SOUTHWEST: ["成都", "重庆", "昆明", "贵阳"],
    Region.NORTHWEST: ["西安", "兰州", "乌鲁木齐"],
    Region.NORTHEAST: ["沈阳", "大连", "哈尔滨", "长春"],
}
WORDS = [
    "华信",
    "恒通",
    "远大",
    "精工",
    "联创",
    "新元",
    "宏达",
    "瑞丰",
    "泰和",
    "金桥",
    "海纳",
    "博远",
    "中兴",
    "鼎盛",
    "汇智",
]
KINDS = {
    Industry.MANUFACTURING: "机械制造有限公司",
    Industry.AUTOMOTIVE: "汽车零部件有限公司",
    Industry.ELECTRONICS: "电子科技股份有限公司",
    Industry.ENERGY: "新能源有限公司",
    Industry.HEALTHCARE: "医疗器械有限公司",
    Industry.CONSTRUCTION: "建设工程有限公司",
    Industry.RETAIL: "商贸有限公司",
    Industry.PUBLIC: "市自来水公司",
}
OVERSEAS = [
    ("Nordic Pumps AB", Industry.MANUFACTURING),
    ("Keller Automotive GmbH", Industry.AUTOMOTIVE),
    ("Sunrise Solar Pty Ltd", Industry.ENERGY),
    ("Medline Devices Inc.", Industry.HEALTHCARE),
    ("Atlas Distribution LLC", Industry.RETAIL),
    ("Tanaka Electronics K.K.", Industry.ELECTRONICS),
]
INTERNAL = ["生产部", "质量部", "采购部", "售后服务部", "销售部", "研发中心"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "杰", "军", "勇", "丽", "涛", "明", "超", "霞", "平"]
ROLES = ["采购经理", "质量工程师", "总经理", "设备主管", "技术总监", "售后对接人"]
# (reason, its category for the lost-business analysis)
LOST_REASONS = [
    ("交付多次延迟，转向竞争对手", LossReason.DELIVERY),
    ("价格高于竞品约8%", LossReason.PRICE),
    ("售后响应慢，两次投诉未及时处理", LossReason.SERVICE),
    ("Moved production overseas; no local demand", LossReason.NO_LONGER_NEEDED),
    ("产品质量问题（批次不良率偏高）", LossReason.QUALITY),
]
WIN_BACK = [
    "新任客户经理上门拜访并道歉，提供延保与价格优惠后恢复采购",
    "Corrective action on delivery accepted; trial order placed",
]


@contextlib.contextmanager
def _contained_side_effects():
    """While the demo loads, its e-mails (acknowledgements, survey invitations, alerts) stay in
    memory whatever EMAIL_URL says, and the tasks queued on commit run here instead of waiting in
    the broker for a worker (which may be serving another database)."""
    from celery import current_app as app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        app.conf.task_always_eager = eager


class Command(BaseCommand):
    help = "Load demo users and bilingual customers across every segment (idempotent); --scale N adds N more."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=0, help="Add this many synthetic customers (bulk, fast).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, so data sets are reproducible.")

    def handle(self, *args, scale: int, seed: int, **options):
        rng = random.Random(seed)
        users = self._users()
        if Customer.objects.filter(code__startswith="DEMO-").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            with _contained_side_effects():
                self._demo(rng, users)
        if scale:
            self._scale(rng, users, scale)

    def _users(self) -> dict[str, User]:
        users = {}
        for username, first, last, role, language in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "preferred_language": language,
                    "is_staff": role == "admin",
                    "is_superuser": role == "admin",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                user.groups.add(Group.objects.get(name=role))
            users[username] = user
        return users

    @transaction.atomic
    def _demo(self, rng: random.Random, users: dict[str, User]) -> None:
        manager = users["manager"]
        owners = [users["staff"], users["staff2"], users["manager"]]
        number = 0

        def create(name, *, scope, chain, lifecycle, tier, region, industry, source="", volume=None, tags=()):
            nonlocal number
            number += 1
            customer = services.customer_create(
                actor=manager,
                data={
                    "code": f"DEMO-{number:04d}",
                    "name": name,
                    "scope": scope,
                    "chain_position": chain,
                    "lifecycle": lifecycle,
                    "tier": tier,
                    "potential_source": source,
                    "region": region,
                    "industry": industry,
                    "annual_volume": volume,
                    "owner": rng.choice(owners),
                    "phone": f"0{rng.randint(10, 99)}-{rng.randint(60000000, 89999999)}",
                    "address": "",
                    "email": "",
                },
                tags=list(tags),
            )
            for index in range(rng.choice([1, 1, 2, 3])):
                english = region == Region.OVERSEAS
                name = (
                    (
                        rng.choice(["Anna", "Lars", "Mike", "Yuki", "Sarah"])
                        + " "
                        + rng.choice(["Berg", "Keller", "Smith", "Tanaka"])
                    )
                    if english
                    else rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", rng.choice(GIVEN)])
                )
                if customer.contacts.filter(name=name).exists():
                    continue
                services.contact_create(
                    actor=manager,
                    customer=customer,
                    data={
                        "name": name,
                        "role": rng.choice(ROLES) if not english else "Purchasing manager",
                        "phone": f"1{rng.choice([3, 5, 8])}{rng.randint(100000000, 999999999)}",
                        "email": f"contact{number}.{index}@example.com",
                        "preferred_language": "en" if english else "zh-hans",
                        "survey_consent": rng.random() < 0.8,
                        "is_primary": index == 0,
                    },
                )
            return customer

        for i in range(90):
            region = rng.choice([r for r in Region.values if r != Region.OVERSEAS])
            industry = rng.choice(list(KINDS))
            city = rng.choice(CITY_BY_REGION[region])
            name = f"{city}{WORDS[i % len(WORDS)]}{KINDS[industry]}"
            if Customer.objects.filter(name=name).exists():
                name = f"{city}{WORDS[(i * 7) % len(WORDS)]}{rng.choice(['', '第二'])}{KINDS[industry]}"
            lifecycle = rng.choices([Lifecycle.CURRENT, Lifecycle.POTENTIAL, Lifecycle.LOST], [70, 18, 12])[0]
            tier = Tier.KEY if lifecycle == Lifecycle.CURRENT and rng.random() < 0.3 else Tier.GENERAL
            customer = create(
                name,
                scope=Scope.EXTERNAL,
                chain=rng.choice([ChainPosition.END, ChainPosition.END, ChainPosition.INTERMEDIATE]),
                lifecycle=Lifecycle.POTENTIAL if lifecycle == Lifecycle.POTENTIAL else Lifecycle.CURRENT,
                tier=tier,
                region=region,
                industry=industry,
                source=rng.choice(PotentialSource.values) if lifecycle == Lifecycle.POTENTIAL else "",
                volume=None if lifecycle == Lifecycle.POTENTIAL else Decimal(rng.randint(5, 3000) * 10000),
                tags=rng.sample(["长期合作", "大批量", "经销商", "政府采购", "出口"], rng.randint(0, 2)),
            )
            if lifecycle == Lifecycle.LOST:
                services.customer_change_lifecycle(
                    actor=manager,
                    customer=customer,
                    to_state=Lifecycle.LOST,
                    reason=(lost := rng.choice(LOST_REASONS))[0],
                    reason_category=lost[1],
                )
                if rng.random() < 0.35:
                    services.customer_change_lifecycle(
                        actor=manager, customer=customer, to_state=Lifecycle.CURRENT, reason=rng.choice(WIN_BACK)
                    )
        for name, industry in OVERSEAS:
            create(
                name,
                scope=Scope.EXTERNAL,
                chain=ChainPosition.INTERMEDIATE,
                lifecycle=Lifecycle.CURRENT,
                tier=rng.choice([Tier.KEY, Tier.GENERAL]),
                region=Region.OVERSEAS,
                industry=industry,
                volume=Decimal(rng.randint(50, 800) * 10000),
                tags=["出口"],
            )
        for name in INTERNAL:
            create(
                f"本公司{name}",
                scope=Scope.INTERNAL,
                chain=ChainPosition.END,
                lifecycle=Lifecycle.CURRENT,
                tier=Tier.GENERAL,
                region=Region.EAST,
                industry=Industry.OTHER,
            )
        segments = [
            (
                "华东关键外部最终顾客",
                "Key external end customers in East China",
                {
                    "scope": "external",
                    "chain_position": "end",
                    "tier": "key",
                    "region": ["east"],
                    "lifecycle": "current",
                },
            ),
            ("流失顾客", "Lost customers: lost-business analysis and win-back", {"lifecycle": "lost"}),
            (
                "竞争对手的顾客",
                "Potential customers who buy from competitors",
                {"lifecycle": "potential", "potential_source": "competitor"},
            ),
            ("内部顾客", "Internal customers (employee satisfaction)", {"scope": "internal"}),
            ("Intermediate customers", "Distributors, dealers and integrators", {"chain_position": "intermediate"}),
        ]
        for name, description, criteria in segments:
            services.segment_create(actor=manager, name=name, description=description, criteria=criteria)
        self.stdout.write(self.style.SUCCESS(f"Loaded {number} demo customers, {len(segments)} segments and 5 users."))
        for demo in (visits_demo, complaints_demo, surveys_demo):
            demo.seed(users=users, rng=rng)

    def _scale(self, rng: random.Random, users: dict[str, User], count: int) -> None:
        """Bulk rows without audit events: synthetic load for benchmarks, not business history."""
        started = time.monotonic()
        owners = [u.pk for u in users.values()] + [None]
        start = Customer.objects.filter(code__startswith="SCALE-").count()
        batch_size = 5000
        now = timezone.now()
        regions = [r for r in Region.values]
        industries = list(KINDS)
        for offset in range(start, start + count, batch_size):
            customers = []
            for n in range(offset, min(offset + batch_size, start + count)):
                lifecycle = rng.choices(Lifecycle.values, [18, 70, 12])[0]
                region = rng.choice(regions)
                city = rng.choice(CITY_BY_REGION.get(region, ["Singapore"]))
                industry = rng.choice(industries)
                customers.append(
                    Customer(
                        code=f"SCALE-{n:07d}",
                        name=f"{city}{rng.choice(WORDS)}{KINDS[industry]}{n}",
                        scope=rng.choices(Scope.values, [9, 1])[0],
                        chain_position=rng.choice(ChainPosition.values),
                        lifecycle=lifecycle,
                        tier=Tier.KEY if lifecycle == Lifecycle.CURRENT and rng.random() < 0.2 else Tier.GENERAL,
                        potential_source=rng.choice(PotentialSource.values) if lifecycle == Lifecycle.POTENTIAL else "",
                        region=region,
                        industry=industry,
                        annual_volume=Decimal(rng.randint(1, 5000) * 1000),
                        owner_id=rng.choice(owners),
                        phone=f"0{rng.randint(10, 99)}-{rng.randint(60000000, 89999999)}",
                        lost_at=now if lifecycle == Lifecycle.LOST else None,
                    )
                )
            for customer in customers:
                derived_fields_fill(customer)  # the name's sort key: bulk_create does not call save()
            with transaction.atomic():
                created = Customer.objects.bulk_create(customers, batch_size=1000)
                if not created or created[0].pk is None:
                    created = list(Customer.objects.filter(code__in=[c.code for c in customers]).only("pk"))
                Contact.objects.bulk_create(
                    [
                        Contact(
                            customer_id=c.pk,
                            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                            phone=f"1{rng.choice([3, 5, 8])}{rng.randint(100000000, 999999999)}",
                            is_primary=True,
                            survey_consent=True,
                            consent_at=now,
                        )
                        for c in created
                    ],
                    batch_size=1000,
                )
            self.stdout.write(f"  {min(offset + batch_size, start + count) - start}/{count}")
        Segment.objects.get_or_create(
            name="Scale: key current customers",
            defaults={"criteria": {"lifecycle": "current", "tier": "key"}, "description": "Benchmark segment"},
        )
        self.stdout.write(self.style.SUCCESS(f"Added {count} customers in {time.monotonic() - started:.1f} s."))
