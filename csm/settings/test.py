"""Fast, deterministic settings for the test suite."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private"
LANGUAGE_CODE = "en"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The flush between transactional tests is a DELETE on SQLite and a TRUNCATE on PostgreSQL, which
# the append-only triggers refuse: leave those two out (UPDATE stays refused). Tests that check them
# install them inside their own transaction (core/append_only.py).
AUDIT_DATABASE_TRIGGERS = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # An in-memory test database: pytest-django creates it per worker.
    DATABASES["default"]["TEST"] = {"NAME": ""}
