"""Settings for bench/analysis_bench.py: the surveys bench's settings (the real routes plus the bare
answer view of bench/surveys/urls.py, eager Celery, quiet logs), no e-mail sent anywhere, and the
in-process test client's host allowed (the dashboard is measured inside the bench process)."""

from bench.surveys.settings import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
