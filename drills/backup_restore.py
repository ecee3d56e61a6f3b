"""Drill 2, backup and restore: `manage.py backup` of the drill database while respondents keep
answering, `manage.py restore` into a fresh database, then every table's row count compared with
the backup's and the audit chain verified on the restored copy.

The backup's counts and its dump read one snapshot, so "0 mismatches" holds under writes too; the
answers sent during the backup must all be in the live database (none lost to the backup's locks).
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from .figures import Figures
from .stack import Stack


def _answer_while(
    stack: Stack, links: list[str], data: dict, stop: threading.Event, statuses: Counter, sent: list
) -> None:
    with httpx.Client(base_url=stack.url, timeout=60) as client:
        while links and not stop.is_set():
            token = links.pop()
            try:
                statuses[client.post(f"/surveys/r/{token}/", data=data).status_code] += 1
                sent.append((token, time.monotonic()))
            except httpx.HTTPError as error:
                statuses[type(error).__name__] += 1


def _restored_counts(stack: Stack, database: str) -> dict[str, int]:
    tables = stack.psql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", database=database
    ).split()
    query = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables)  # noqa: S608 - catalogue names
    rows = stack.psql(query, database=database).splitlines()
    return {name: int(count) for name, count in (row.split("|") for row in rows)}


def run(stack: Stack, *, short: bool) -> Figures:
    from core.audit_chain import audit_chain_seal
    from surveys.models import Response

    from . import seed

    figures = Figures("backup-restore")
    # Something in every kind of place: customers, a campaign with answers, sealed audit events, and
    # private files (uploads) with their bytes.
    tag = seed.customers(drill="backup", count=600 if short else 2000)
    campaign = seed.campaign(drill="backup", tag=tag)
    links = seed.tokens_of(campaign)
    data, _answers = seed.answers_form(campaign)
    with httpx.Client(base_url=stack.url, timeout=60) as client:
        for token in links[:10]:
            client.post(f"/surveys/r/{token}/", data=data)
    links = links[10:]
    audit_chain_seal(settle_seconds=0)
    private = Path(stack.env["PRIVATE_MEDIA_ROOT"])
    (private / "imports").mkdir(parents=True, exist_ok=True)
    for number in range(5):
        (private / "imports" / f"drill-{number}.csv").write_bytes(
            f"code,name\nD{number},Drill {number}\n".encode() * 100
        )

    # The backup, with respondents answering meanwhile.
    stop, statuses, sent = threading.Event(), Counter(), []
    writers = [
        threading.Thread(target=_answer_while, args=(stack, links, data, stop, statuses, sent)) for _ in range(4)
    ]
    for writer in writers:
        writer.start()
    time.sleep(0.5)
    started = time.monotonic()
    backup = stack.manage("backup", "--directory", str(stack.dir / "backups"), check=False)
    backup_seconds = time.monotonic() - started
    time.sleep(0.5)
    stop.set()
    for writer in writers:
        writer.join()
    if backup.returncode != 0:
        figures.problems.append(f"manage.py backup failed: {backup.stdout.strip()[-2000:]}")
        return figures
    archive = Path(backup.stdout.strip().splitlines()[-1])
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    hashes = {seed.tokens.token_hash(t) for t, _at in sent}
    during = sum(1 for _t, at in sent if started <= at <= started + backup_seconds)
    stored_live = Response.objects.filter(invitation__token_hash__in=hashes).count()

    # Restore into a fresh database, as an operator would on a new machine.
    stack.psql("CREATE DATABASE csm_restored OWNER csm")
    restored_private = stack.dir / "restored-private"
    env = {**stack.env, "DATABASE_URL": stack.database_url("csm_restored"), "PRIVATE_MEDIA_ROOT": str(restored_private)}
    started = time.monotonic()
    restore = stack.manage("restore", str(archive), "--noinput", env=env, check=False)
    restore_seconds = time.monotonic() - started
    # Again over the restored database (now full): the operator's in-place restore, through the
    # append-only audit tables' triggers.
    again = stack.manage("restore", str(archive), "--noinput", env=env, check=False)
    verify = stack.manage("audit_verify", env=env, check=False)
    migrations = stack.manage("migrate", "--check", env=env, check=False)

    restored = _restored_counts(stack, "csm_restored")
    expected: dict[str, int] = manifest["tables"]
    mismatched = {t: (n, restored.get(t)) for t, n in expected.items() if restored.get(t) != n}
    mismatched.update({t: (None, n) for t, n in restored.items() if t not in expected})
    figures.tried = sum(expected.values())
    figures.lost = sum(max(n - (restored.get(t) or 0), 0) for t, n in expected.items())
    figures.duplicated = sum(max((restored.get(t) or 0) - n, 0) for t, n in expected.items())
    figures.server_errors = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    private_ok = all(
        hashlib.sha256((restored_private / path.relative_to(private)).read_bytes()).hexdigest()
        == hashlib.sha256(path.read_bytes()).hexdigest()
        for path in private.rglob("*")
        if path.is_file()
    )
    figures.details.update(
        {
            "archive": f"{archive.name}, {archive.stat().st_size / 1e6:.1f} MB, {len(expected)} tables, {manifest['private_files']} private files",
            "backup / restore took": f"{backup_seconds:.1f} s / {restore_seconds:.1f} s",
            "answers sent around the backup (statuses)": f"{len(sent)} {dict(statuses)}, stored {stored_live}",
            "answers stored while manage.py backup ran": during,
            "tables whose row count differs": len(mismatched),
            "manage.py restore": restore.stdout.strip().splitlines()[-2:],
            "manage.py restore again, over it": again.stdout.strip().splitlines()[-2:-1],
            "manage.py audit_verify (restored)": verify.stdout.strip(),
            "private files identical": private_ok,
        }
    )
    if mismatched:
        figures.problems.append(f"row counts differ: {dict(sorted(mismatched.items())[:10])}")
    if restore.returncode != 0:
        figures.problems.append(f"manage.py restore failed: {restore.stdout.strip()[-1500:]}")
    if again.returncode != 0 or "0 row counts differ" not in again.stdout:
        figures.problems.append(f"restoring over a full database failed: {again.stdout.strip()[-1500:]}")
    if verify.returncode != 0:
        figures.problems.append(f"the audit chain of the restored database does not verify: {verify.stdout.strip()}")
    if migrations.returncode != 0:
        figures.problems.append(f"the restored database lacks migrations: {migrations.stdout.strip()[-500:]}")
    if not private_ok:
        figures.problems.append("the restored private files differ")
    figures.lost += len(hashes) - stored_live
    if not during:
        figures.problems.append("no answer was stored while the backup ran: the drill proved nothing about writes")
    return figures
