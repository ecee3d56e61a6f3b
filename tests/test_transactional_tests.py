"""A transactional test that flushes without `serialized_rollback` empties the data the migrations
made (roles, dimensions, categories) for the tests after it on the same worker, and re-creates the
content types under new ids, so the next browser test's restore fails on them. Every
`transaction=True` test therefore also restores what the migrations made."""

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
MARK = re.compile(r"django_db\(([^)]*)\)")


def test_every_transactional_test_restores_the_migrated_data():
    offenders = []
    for path in TESTS.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for arguments in MARK.findall(line):
                if "transaction=True" in arguments and "serialized_rollback=True" not in arguments:
                    offenders.append(f"{path.relative_to(TESTS)}:{number}")
    assert offenders == []
