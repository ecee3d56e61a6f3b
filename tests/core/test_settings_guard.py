"""The settings we depend on are really in force: Celery reads ours, production refuses to start
insecurely and passes `check --deploy`. A misspelled setting is silently ignored, so guard them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.app.defaults import DEFAULTS
from celery.schedules import crontab
from django.conf import settings

from csm.celery import app

BASE_DIR = Path(settings.BASE_DIR)
# Our own settings that share the CELERY_ prefix but are not Celery's.
OWN_CELERY_SETTINGS = {"CELERY_BROKER_FOLDER"}


def test_celery_reads_the_broker_and_the_reliability_settings_from_django():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.broker_transport_options == settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_ignore_result is True
    assert app.conf.timezone == settings.TIME_ZONE == "Asia/Shanghai"


def test_celery_applies_the_task_time_limits_we_declare():
    assert app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT > 0
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT


def test_mail_delivery_is_bounded_by_the_relay_timeout_and_swept_every_minute():
    from core.tasks import mail_deliver_task

    assert settings.EMAIL_TIMEOUT > 0  # the SMTP backend's own default is to wait forever
    assert 0 < mail_deliver_task.soft_time_limit < mail_deliver_task.time_limit < settings.CELERY_TASK_TIME_LIMIT
    sweep = app.conf.beat_schedule["mail-outbox-sweep"]
    assert sweep["task"] == "core.tasks.mail_outbox_sweep_task"
    assert sweep["schedule"] == crontab()  # every minute


def test_tests_run_tasks_eagerly_and_propagate_their_errors():
    assert app.conf.task_always_eager is True
    assert app.conf.task_eager_propagates is True


def test_every_celery_setting_is_a_name_celery_knows():
    celery_names = {name.upper() for name in DEFAULTS}
    ours = {name for name in dir(settings) if name.startswith("CELERY_")} - OWN_CELERY_SETTINGS

    unknown = {name for name in ours if name.removeprefix("CELERY_") not in celery_names}

    assert unknown == set(), f"Celery ignores these (misspelled?): {sorted(unknown)}"


def test_the_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()  # runs autodiscovery as a worker does at start-up
    schedule = app.conf.beat_schedule

    assert schedule, "the beat schedule is empty"
    missing = {entry["task"] for entry in schedule.values()} - set(app.tasks)
    assert missing == set(), f"scheduled but not registered: {sorted(missing)}"


def _run(args, **env_changes):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS"))}
    env.update(DJANGO_SETTINGS_MODULE="csm.settings.production", **env_changes)
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "secret",
    [None, "", "insecure-local-development-key-change-me", "short-but-not-insecure"],
    ids=["unset", "empty", "the-development-default", "too-short"],
)
def test_production_settings_refuse_to_start_without_a_real_secret_key(secret):
    env = {} if secret is None else {"SECRET_KEY": secret}
    if secret is None:
        env["SECRET_KEY"] = ""  # a stray .env must not supply one either (read_env never overwrites)

    result = _run(["-c", "import django; django.setup()"], **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_production_settings_pass_check_deploy_without_warnings():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY="k7Qz-" + "x9R2mP4vT8wL1nB6cY3hJ5dF0gS7aE" * 2,
        ALLOWED_HOSTS="csm.example.com",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_check_deploy_warns_when_limits_would_be_counted_per_process():
    """Without a shared cache each web worker counts its own login failures and form posts."""
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY="k7Qz-" + "x9R2mP4vT8wL1nB6cY3hJ5dF0gS7aE" * 2,
        ALLOWED_HOSTS="csm.example.com",
        CACHE_URL="locmemcache://",
    )

    assert result.returncode != 0
    assert "core.W020" in result.stderr + result.stdout


def test_the_embedded_default_checks_its_database_without_warnings(tmp_path):
    """`make run` migrates the embedded SQLite database, which runs the database checks: a newcomer's
    first screen must not open on a warning about a PostgreSQL-only index option."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--database", "default", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
            "DJANGO_SETTINGS_MODULE": "csm.settings.local",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'csm.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "W040" not in result.stdout + result.stderr


GETATTR_SETTINGS_LEFT: set[str] = set()


def test_settings_are_declared_in_base_and_read_directly():
    """A setting read with getattr(settings, NAME, default) hides a misspelling behind its default;
    every setting the code reads is declared in csm/settings/base.py instead."""
    offenders = {
        str(path.relative_to(BASE_DIR))
        for path in BASE_DIR.rglob("*.py")
        if not path.relative_to(BASE_DIR).parts[0].startswith((".", "var", "node_modules"))
        and "getattr(settings," in path.read_text(encoding="utf-8")
    }
    assert offenders - {"tests/core/test_settings_guard.py"} == GETATTR_SETTINGS_LEFT
