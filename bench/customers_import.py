"""Benchmark: import N customers (default 50k) from a bilingual GB18030 CSV, then import it again.

    .venv/bin/python bench/customers_import.py --rows 50000

Builds a throwaway SQLite database under var/bench/, writes a CSV as Chinese Excel would (GB18030,
Chinese headers, a mix of codes and Chinese/English labels), and runs it through the same services
as the pages: upload, whose check task runs after the batch is stored (eagerly here) and previews it
(import_batch_preview), then confirm, which runs the commit task
after the transaction (eagerly here) in one all-or-nothing transaction. The second import of the
same file must find every customer unchanged and write nothing. Prints timings and rows/s.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"

HEADER = [
    "客户编码",
    "客户名称",
    "内部/外部",
    "中间/最终",
    "生命周期",
    "关键/一般",
    "潜在顾客来源",
    "区域",
    "行业",
    "年采购额",
    "客户经理",
    "电话",
    "邮箱",
    "地址",
    "标签",
    "联系人",
    "联系人职务",
    "联系人电话",
    "联系人邮箱",
    "联系人语言",
    "同意调查",
]
CITIES = ["上海", "北京", "广州", "深圳", "成都", "武汉", "西安", "沈阳", "杭州", "苏州", "重庆", "天津"]
WORDS = ["华东", "宏达", "鑫源", "恒通", "精工", "海川", "远航", "金桥", "瑞丰", "天成", "博远", "中科"]
KINDS = ["机械", "电子", "能源", "汽配", "医疗器械", "建材", "贸易", "物流"]
ENGLISH = ["Pacific Trading", "Northern Energy", "Delta Components", "Orient Medical", "Summit Automotive"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]
ROLES = ["采购经理", "质量经理", "总经理", "技术总监", "Purchasing manager"]
REGIONS = ["华东", "华北", "华南", "华中", "西南", "西北", "东北", "overseas", "East China"]
INDUSTRIES = ["制造业", "automotive", "电子", "能源", "医疗", "建筑", "零售", "公共部门", "其他"]
TAGS = ["展会", "老客户", "vip", "重点跟进", "经销商", "招标"]


def csv_build(rows: int, seed: int) -> bytes:
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for index in range(rows):
        potential = rng.random() < 0.15
        english = rng.random() < 0.1
        name = (
            f"{rng.choice(ENGLISH)} {index} Ltd"
            if english
            else f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(KINDS)}有限公司{index}"
        )
        contact = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")
        writer.writerow(
            [
                f"BC{index:07d}",
                name,
                rng.choice(["外部顾客", "external", "外部", "内部"]),
                rng.choice(["最终", "中间顾客", "end"]),
                "潜在顾客" if potential else rng.choice(["现实顾客", "current"]),
                rng.choice(["关键", "一般", "general", "Key customer"]),
                rng.choice(["竞争对手", "新区域", "non_user"]) if potential else "",
                rng.choice(REGIONS),
                rng.choice(INDUSTRIES),
                f"{rng.randint(1, 5_000_000)}.{rng.randint(0, 99):02d}" if rng.random() < 0.8 else "",
                rng.choice(["bench.manager", ""]),
                f"0{rng.randint(10, 999)}-{rng.randint(1000000, 9999999)}",
                f"info{index}@example.cn" if rng.random() < 0.7 else "",
                f"{rng.choice(CITIES)}市{rng.choice(WORDS)}路{rng.randint(1, 999)}号",
                "；".join(rng.sample(TAGS, rng.randint(0, 2))).replace("；", ";"),
                contact,
                rng.choice(ROLES),
                f"1{rng.randint(3000000000, 9999999999)}",
                f"c{index}@example.cn",
                rng.choice(["中文", "zh-hans", "English"]),
                rng.choice(["是", "否", "yes", "no"]),
            ]
        )
    return buffer.getvalue().encode("gb18030")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="customer rows in the file (default 50000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    database = BENCH_DIR / "customers_import.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "csm.settings.local"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["PRIVATE_MEDIA_ROOT"] = str(BENCH_DIR / "private")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))

    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from accounts.models import User
    from core.models import AuditEvent
    from csm.celery import app
    from customers.importing import batches
    from customers.models import Contact, Customer, ImportBatch

    settings.CUSTOMER_IMPORT_MAX_ROWS = max(settings.CUSTOMER_IMPORT_MAX_ROWS, args.rows)
    settings.CUSTOMER_IMPORT_MAX_BYTES = max(settings.CUSTOMER_IMPORT_MAX_BYTES, 200 * 1024 * 1024)
    # The commit task runs in this process right after the confirm commits, as a worker would run it.
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True

    call_command("migrate", verbosity=0)
    manager = User.objects.create_user("bench.manager", password="bench-Pass-123")
    from django.contrib.auth.models import Group

    manager.groups.add(Group.objects.get(name="manager"))
    manager = User.objects.get(pk=manager.pk)

    started = time.perf_counter()
    content = csv_build(args.rows, args.seed)
    print(
        f"file: {args.rows:,} rows, {len(content) / 1024 / 1024:.1f} MB GB18030 CSV, "
        f"built in {time.perf_counter() - started:.1f} s"
    )

    def run(label: str) -> ImportBatch:
        upload = SimpleUploadedFile("客户导入.csv", content)
        started = time.perf_counter()
        # Autocommit: the check task runs (eagerly here) as soon as the upload's batch is stored.
        batch = batches.import_batch_preview(actor=manager, upload=upload, encoding="auto")
        batch.refresh_from_db()
        previewed = time.perf_counter() - started
        assert batch.status == ImportBatch.Status.PREVIEWED, batch.errors[:5]
        started = time.perf_counter()
        batches.import_batch_confirm(actor=manager, batch=batch)
        committed = time.perf_counter() - started
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.DONE, batch.failure
        total = previewed + committed
        print(
            f"{label}: preview {previewed:.1f} s, commit {committed:.1f} s, total {total:.1f} s "
            f"({args.rows / total:,.0f} rows/s) -> created {batch.created_count:,}, updated "
            f"{batch.updated_count:,}, unchanged {batch.unchanged_count:,}, contacts written {batch.contact_count:,}"
        )
        return batch

    first = run("first import ")
    audit_rows = AuditEvent.objects.count()
    second = run("second import")
    print(
        f"database: {Customer.objects.count():,} customers, {Contact.objects.count():,} contacts, "
        f"{audit_rows:,} audit rows after the first import, {AuditEvent.objects.count():,} after the second"
    )
    ok = (
        first.created_count == args.rows
        and second.unchanged_count == args.rows
        # The second confirm's own workflow step (previewed -> queued) is the only new audit row.
        and AuditEvent.objects.count() == audit_rows + 1
    )
    print("idempotent re-import:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
