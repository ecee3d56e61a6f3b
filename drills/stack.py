"""The real stack on loopback, in a temporary folder: PostgreSQL, Redis, an SMTP sink, gunicorn, a
Celery worker and beat, each on a private port, all stopped (and the folder removed) at the end.

PostgreSQL and Redis are started as .ci/run starts them (Debian's binaries; initdb as the postgres
user when we are root), except that Redis keeps its append-only file as the Compose stack does, so
the tasks queued in it survive a restart. The app runs with `drills.settings` (production settings
plus the drills' shorter sweep delays) and the environment the Compose stack gives it: Redis as
broker and cache, SMTP to the sink, no HTTPS redirect (loopback, no TLS terminator).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from .smtp import SmtpSink

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("CSM_DRILL_PG_BIN", "/usr/lib/postgresql/15/bin"))
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.25, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")


class Stack:
    """Start with `with Stack() as stack:`; every service can be stopped and started again."""

    def __init__(self, *, web_workers: int = 2, worker_concurrency: int = 2, keep: bool = False) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="csm-drills."))
        self.dir.chmod(0o755)  # the postgres user reaches its data folder inside
        self.keep = keep
        self.pg_data = self.dir / "pgdata"
        self.redis_dir = self.dir / "redis"
        self.var = self.dir / "var"
        self.logs = self.dir / "logs"
        for folder in (self.redis_dir, self.var, self.logs):
            folder.mkdir()
        self.pg_port, self.redis_port, self.web_port = free_port(), free_port(), free_port()
        self.web_workers, self.worker_concurrency = web_workers, worker_concurrency
        self.smtp = SmtpSink(port=free_port())
        self.database = "csm"
        self.processes: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, list[str]] = {}
        # (name, exit status): the worker and beat started again after they exited on their own.
        self.restarts: list[tuple[str, int]] = []
        self._supervising = threading.Event()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "drills.settings",
            "PYTHONPATH": str(ROOT),
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": self.database_url(),
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp.port}",
            "EMAIL_TIMEOUT": "2",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # As behind the Compose stack's proxy: one trusted hop in X-Forwarded-For (drills/web_form.py).
            "TRUSTED_PROXY_COUNT": "1",
            "SITE_URL": f"http://127.0.0.1:{self.web_port}",
            "SECURE_SSL_REDIRECT": "false",
            "VAR_DIR": str(self.var),
            "PRIVATE_MEDIA_ROOT": str(self.var / "private"),
            "LOG_LEVEL": "WARNING",
            "LANGUAGE_CODE": "en",
            # Mail is paced per worker (20/s in production); the drills send thousands.
            "MAIL_DELIVERY_RATE_LIMIT": "200/s",
        }
        self.env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        self.url = f"http://127.0.0.1:{self.web_port}"

    # -- helpers -------------------------------------------------------------------------------

    def database_url(self, name: str | None = None) -> str:
        return f"postgres://csm:csm@127.0.0.1:{self.pg_port}/{name or self.database}"

    def run(self, *args: str, env: dict | None = None, check: bool = True, quiet: bool = True):
        return subprocess.run(
            list(args),
            cwd=ROOT,
            env=env or self.env,
            check=check,
            stdout=subprocess.PIPE if quiet else None,
            stderr=subprocess.STDOUT if quiet else None,
            text=True,
        )

    def manage(self, *args: str, env: dict | None = None, check: bool = True):
        return self.run(PYTHON, "manage.py", *args, env=env, check=check)

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        result = self.run(
            *self.as_postgres,
            str(PG_BIN / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.pg_port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-Atqc",
            sql,
        )
        return result.stdout.strip()

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "a")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.processes[name] = process
        self.commands[name] = args
        return process

    def _supervise(self) -> None:
        """What the Compose stack's `restart: unless-stopped` (or systemd's Restart=always) does: a
        worker or beat that exits on its own is started again after a second. Stopping one through
        this class (worker_kill, worker_stop) takes it out of `processes` first, so it stays down."""
        while self._supervising.is_set():
            for name in ("worker", "beat"):
                process = self.processes.get(name)
                if process is not None and process.poll() is not None and self.processes.get(name) is process:
                    self.restarts.append((name, process.returncode))
                    print(f"    supervisor: {name} exited ({process.returncode}); starting it again", flush=True)
                    time.sleep(1)
                    self._spawn(name, self.commands[name])
            time.sleep(0.5)

    def restarts_since(self, count: int) -> dict[str, int]:
        restarted: dict[str, int] = {}
        for name, _status in self.restarts[count:]:
            restarted[name] = restarted.get(name, 0) + 1
        return restarted

    def _stop(self, name: str, *, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    # -- PostgreSQL ------------------------------------------------------------------------------

    def postgres_init(self) -> None:
        self.pg_data.mkdir()
        if self.as_postgres:
            shutil.chown(self.pg_data, "postgres", "postgres")
        self.run(
            *self.as_postgres,
            str(PG_BIN / "initdb"),
            "-D",
            str(self.pg_data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.postgres_start()
        self.psql("CREATE ROLE csm LOGIN PASSWORD 'csm' CREATEDB")
        self.psql(f"CREATE DATABASE {self.database} OWNER csm")

    def postgres_start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.pg_port} -k {self.pg_data} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self.run(
            *self.as_postgres,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.pg_data),
            "-l",
            str(self.pg_data / "postgresql.log"),
            "-w",
            "start",
            "-o",
            options,
        )

    def postgres_stop(self, mode: str = "fast") -> None:
        self.run(*self.as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(self.pg_data), "-m", mode, "-w", "stop")

    def postgres_running(self) -> bool:
        return (self.pg_data / "postmaster.pid").exists()

    # -- Redis -----------------------------------------------------------------------------------

    def redis_start(self) -> None:
        self._spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.redis_dir),
                "--save",
                "",
                "--appendonly",
                "yes",
            ],
        )
        wait_until(self.redis_ping, timeout=15, what="Redis")

    def redis_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def redis_stop(self) -> None:
        self._stop("redis")  # SIGTERM: Redis writes its append-only file and exits

    # -- the app -------------------------------------------------------------------------------

    def app_prepare(self) -> None:
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        self.manage("migrate", "--noinput", "--verbosity", "0")

    def web_start(self) -> None:
        self._spawn(
            "web",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "csm.wsgi:application",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                str(self.web_workers),
                "--timeout",
                "60",
                "--backlog",
                "2048",
                # One per stack: the default control socket (~/.gunicorn/) is shared by every gunicorn.
                "--control-socket",
                str(self.dir / "gunicorn.ctl"),
            ],
        )
        wait_until(lambda: self.health()[0] in (200, 503), timeout=60, what="gunicorn")

    def web_stop(self) -> None:
        self._stop("web")

    def health(self) -> tuple[int, str]:
        try:
            response = httpx.get(f"{self.url}/healthz", timeout=10)
            return response.status_code, response.text
        except httpx.HTTPError as error:
            return 0, str(error)

    def worker_start(self) -> None:
        process = self._spawn(
            "worker",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "csm",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(self.worker_concurrency),
                "--hostname",
                f"drill-{secrets.token_hex(3)}@%h",
            ],
        )
        wait_until(
            lambda: "ready." in self.log_tail("worker", 200) or process.poll() is not None,
            timeout=60,
            what="the Celery worker",
        )
        if process.poll() is not None:
            raise RuntimeError("the Celery worker did not start:\n" + self.log_tail("worker"))

    def worker_kill(self) -> None:
        """SIGKILL to the worker and its pool processes at once: nothing runs its shutdown."""
        self._stop("worker", sig=signal.SIGKILL)

    def worker_stop(self) -> None:
        self._stop("worker", timeout=30)

    def beat_start(self) -> None:
        self._spawn(
            "beat",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "csm",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.var / "celerybeat-schedule"),
            ],
        )

    def beat_stop(self) -> None:
        self._stop("beat")

    # -- all of it -------------------------------------------------------------------------------

    def start(self) -> Stack:
        started = time.monotonic()
        self.smtp.start()
        self.postgres_init()
        self.redis_start()
        self.app_prepare()
        self.worker_start()
        self.beat_start()
        self.web_start()
        self._supervising.set()
        threading.Thread(target=self._supervise, daemon=True).start()
        print(f"    stack up in {time.monotonic() - started:.0f} s: {self.url} (folder {self.dir})", flush=True)
        return self

    def stop(self) -> None:
        self._supervising.clear()
        time.sleep(0.6)
        for name in ("web", "beat", "worker"):
            self._stop(name)
        self.redis_stop()
        if self.postgres_running():
            self.postgres_stop("immediate")
        self.smtp.stop()
        if self.keep:
            print(f"    kept {self.dir} (logs in {self.logs})")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            for name in ("web", "worker", "beat"):
                print(f"--- {name} log ---\n{self.log_tail(name)}", file=sys.stderr)
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
