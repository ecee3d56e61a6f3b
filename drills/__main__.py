"""python -m drills [--short] [--keep] [NAME ...]: start the stack, run the drills, print figures."""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback

from .figures import Figures
from .stack import Stack

# name -> module with run(stack, short=...) -> Figures, in the order they run.
DRILLS = {
    "survey-load": "survey_load",
    "backup-restore": "backup_restore",
    "worker-kill": "worker_kill",
    "escalation-kill": "escalation_kill",
    "report-kill": "report_kill",
    "redis-down": "redis_down",
    "postgres-down": "postgres_down",
}
SHORT = ["survey-load", "backup-restore", "worker-kill"]


def _django(stack: Stack) -> None:
    os.environ.update(stack.env)
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drills", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"drills to run (default: all): {', '.join(DRILLS)}")
    parser.add_argument("--short", action="store_true", help="CI mode: fewer clients, shorter outages")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and its logs")
    options = parser.parse_args(argv)
    names = options.names or (SHORT if options.short else list(DRILLS))
    unknown = [name for name in names if name not in DRILLS]
    if unknown:
        parser.error(f"unknown drill(s): {', '.join(unknown)}; choose from {', '.join(DRILLS)}")

    started = time.monotonic()
    results: list[Figures] = []
    print(f"==> Drills{' (short)' if options.short else ''}: {', '.join(names)}", flush=True)
    with Stack(keep=options.keep) as stack:
        _django(stack)
        import importlib

        for name in names:
            print(f"\n==> {name}", flush=True)
            drill_started = time.monotonic()
            try:
                figures = importlib.import_module(f"drills.{DRILLS[name]}").run(stack, short=options.short)
            except Exception:  # noqa: BLE001 - a drill that breaks is a failed drill, and the others still run
                figures = Figures(name, problems=["the drill itself failed:\n" + traceback.format_exc()])
                for log in ("web", "worker", "beat"):
                    print(f"--- last lines of the {log} log ---\n{stack.log_tail(log, 15)}")
            figures.details["drill took"] = f"{time.monotonic() - drill_started:.0f} s"
            figures.print()
            results.append(figures)
            sys.stdout.flush()
    failed = [f.drill for f in results if not f.ok]
    print(f"\n==> {len(results) - len(failed)} of {len(results)} drills passed in {time.monotonic() - started:.0f} s")
    for name in failed:
        print(f"FAILED: drill {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
