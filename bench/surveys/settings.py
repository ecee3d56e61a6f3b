"""Settings for bench/surveys_bench.py: the local settings, the bench's URLconf (the real routes
plus a bare reference view), e-mail to the bench's SMTP sink, no send pause, quiet logs."""

import os

from csm.settings.local import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.surveys.urls"
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ.get("BENCH_SMTP_PORT", "2525"))
EMAIL_USE_TLS = False
EMAIL_USE_SSL = False
EMAIL_HOST_USER = ""
EMAIL_HOST_PASSWORD = ""
CELERY_TASK_ALWAYS_EAGER = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# The bench serves no static files (no collectstatic): WhiteNoise's warning about it is noise here.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")
