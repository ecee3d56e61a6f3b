"""Settings for bench/complaints_bench.py: the local settings on PostgreSQL, the bench's URLconf
(the real routes plus a bare reference view), no e-mail, eager Celery, quiet logs."""

import os

from csm.settings.local import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.complaints.urls"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# Tasks are published to the broker, as a deployment does (the outbox's delivery then runs in a
# worker, not inside the measured request); BENCH_EAGER=1 runs them inside the request instead.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("BENCH_EAGER", "0") == "1"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# The user the bare view records as `created_by` (the bare view does not authenticate).
BENCH_COMPLAINTS_USER_ID = int(os.environ.get("BENCH_COMPLAINTS_USER_ID", "0")) or None
