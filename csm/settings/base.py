"""Settings shared by every environment. Values that differ per deployment come from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# Local state: the SQLite database, broker folders, uploads, logs and the local secret key.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

# No default: production requires one, local settings make one per installation (var/secret_key),
# and only the test settings carry a published key.
SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "core",
    "accounts",
    "customers",
    "visits",
    "complaints",
    "surveys",
    "feedback",
    "privacy",
    "reports",
    "evidence",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.RequestContextMiddleware",
    "accounts.middleware.IdleSessionTimeoutMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    "accounts.middleware.AuditorReadOnlyMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "csm.urls"
WSGI_APPLICATION = "csm.wsgi.application"
ASGI_APPLICATION = "csm.asgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "accounts.context_processors.roles",
            ],
        },
    },
]

# SQLite is the embedded default. Web, worker and beat share the file, so wait for locks instead
# of failing, take the write lock at BEGIN (no upgrade deadlocks), and use WAL so readers never
# block the writer.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'csm.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # A covering index (INCLUDE columns, complaints' resolve-due index) is PostgreSQL's; SQLite keeps
    # the key columns and ignores the rest, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "reports:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: five failures for a username from one address lock that pair for 15 minutes
# (someone else cannot lock the manager out from their own address). The address is the client's,
# behind trusted proxies too (core.middleware.client_ip, TRUSTED_PROXY_COUNT).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "core.middleware.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"

LANGUAGE_CODE = env("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# Our number formats first (core/formats/): Django's zh_Hans has no thousands separator, so a Chinese
# page showed 1234567 where an English one showed 1,234,567. Numbers are grouped where a template asks
# (`intcomma`, `floatformat:"2g"`, `money`), not everywhere: USE_THOUSAND_SEPARATOR would also group
# ids written into links and form values.
FORMAT_MODULE_PATH = ["core.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files are private: outside the web root and never served by a static handler.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))

# Imports: refuse larger files before parsing anything.
CUSTOMER_IMPORT_MAX_BYTES = env.int("CUSTOMER_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
CUSTOMER_IMPORT_MAX_ROWS = env.int("CUSTOMER_IMPORT_MAX_ROWS", default=100_000)
# An XLSX is a ZIP: refuse one whose members unpack to more than this before opening it (a ZIP bomb).
# A 100,000-row customer sheet of 25 columns unpacks to about 150 MB.
CUSTOMER_IMPORT_MAX_UNPACKED_BYTES = env.int("CUSTOMER_IMPORT_MAX_UNPACKED_BYTES", default=300 * 1024 * 1024)
# The check of an upload (read, validate, compare) runs in the worker within these bounds; 50,000 rows
# take about 11 s (bench/customers_import.py). Memory: address space the check may add to the worker.
CUSTOMER_IMPORT_CHECK_SOFT_SECONDS = env.int("CUSTOMER_IMPORT_CHECK_SOFT_SECONDS", default=300)
CUSTOMER_IMPORT_CHECK_HARD_SECONDS = env.int("CUSTOMER_IMPORT_CHECK_HARD_SECONDS", default=330)
CUSTOMER_IMPORT_CHECK_MEMORY_BYTES = env.int("CUSTOMER_IMPORT_CHECK_MEMORY_BYTES", default=2 * 1024 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CSM <csm@localhost>")
# Seconds the SMTP backend waits on each network operation. Without it a stalled relay holds a
# delivery task (and its worker) forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The outbox (core/mail.py): a delivery that fails on a transient relay error is tried again after
# MAIL_RETRY_BACKOFF_SECONDS, doubling each time up to MAIL_RETRY_BACKOFF_MAX_SECONDS, and is
# recorded as failed after MAIL_DELIVERY_MAX_RETRIES retries (the defaults: about five hours).
MAIL_DELIVERY_MAX_RETRIES = env.int("MAIL_DELIVERY_MAX_RETRIES", default=10)
MAIL_RETRY_BACKOFF_SECONDS = 60
MAIL_RETRY_BACKOFF_MAX_SECONDS = 3600
# A pending message whose delivery task has not claimed it this long after it was due (the broker
# was down at commit, the task was lost) is enqueued again by the sweeper.
MAIL_OUTBOX_SWEEP_AFTER_SECONDS = 60
# A campaign still SENDING with no invitation handed over for this long lost its sending task (a
# killed worker): the beat job campaigns_sending_resume enqueues it again (surveys/services/sending.py).
SURVEY_SEND_RESUME_AFTER_SECONDS = 300
# An analysis report still running (or queued) with no progress for this long lost its worker or its
# task: the beat job analysis_reports_recover queues it again (reports/analysis/services.py). A build
# reports progress after each section and takes well under a minute.
ANALYSIS_REPORT_STALE_AFTER_SECONDS = 900
# At most this many deliveries per second per worker (Celery's rate_limit), so a campaign of
# 100,000 invitations does not flood the mail relay.
MAIL_DELIVERY_RATE_LIMIT = env("MAIL_DELIVERY_RATE_LIMIT", default="20/s")
# Where customers and staff reach the site: the base of the links in e-mails (status, survey, visits).
SITE_URL = env("SITE_URL", default="http://localhost:8000")

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Redis down is a cache miss, not a 500 on every survey answer and complaint (core/cache.py); a
    # Redis that hangs is given up on after a second instead of holding the request.
    CACHES["default"]["BACKEND"] = "core.cache.FailOpenRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update({"socket_connect_timeout": 1, "socket_timeout": 1})

# Celery. The embedded default is kombu's filesystem transport: a real broker that needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_FOLDER = Path(env("CELERY_BROKER_FOLDER", default=str(VAR_DIR / "celery")))
# Transport options: none for Redis (Celery's default); the folders for the filesystem transport.
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
    # kombu's filesystem transport does not create its folders itself.
    for _folder in CELERY_BROKER_TRANSPORT_OPTIONS.values():
        if isinstance(_folder, str):
            Path(_folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A safety net against hung tasks, not a budget: the longest measured task (sending a campaign of
# 100,000 invitations, bench/README.md) took 226 s. The soft limit raises inside the task so it can
# record its state; the hard limit kills the worker process. Mail delivery has tighter limits of its
# own (core/tasks.py).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=1500)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=1800)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "core.api.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.RolePermission"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler.api_exception_handler",
    # Throttling (the counters live in the default cache, shared by all processes when it is Redis).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON_RATE", default="60/minute"),
        "user": env("API_THROTTLE_USER_RATE", default="600/minute"),
    },
}
# --- Security: the client's address behind proxies --------------------------------------------
# How many reverse proxies in front of the app append to X-Forwarded-For (the Compose stack: 1, its
# nginx). 0: X-Forwarded-For is ignored and REMOTE_ADDR is the client. Never set it higher than the
# proxies really there, and never publish the app's own port when it is above 0: a client reaching
# the app directly could then choose its address. Used by core.middleware.client_ip and the API's
# throttle. Per-address counters live in the default cache: set CACHE_URL to Redis when more than
# one process serves requests (local memory is per process).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT

# --- Security: API tokens (django-rest-knox) ---------------------------------------------------
# Only a digest is stored; a token expires after API_TOKEN_TTL_DAYS, at most API_TOKEN_LIMIT per
# user, and a password change cuts them all (accounts.models.User.save). Issued at /api/v1/auth/token/.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "TOKEN_LIMIT_PER_USER": env.int("API_TOKEN_LIMIT", default=10),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CSM API",
    "DESCRIPTION": "Customer satisfaction management (ISO 9001 9.1.2 / 8.2.1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Choice sets that share a field name across apps get explicit, stable names in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ComplaintChannelEnum": "complaints.models.Channel",
        "LossReasonEnum": "customers.models.LossReason",
        "ComplaintKindEnum": "complaints.models.Kind",
        "ComplaintStateEnum": "complaints.models.State",
        "VisitChannelEnum": "visits.models.Channel",
        "VisitTriggerEnum": "visits.models.Trigger",
        "CampaignTriggerEnum": "surveys.models.CampaignTrigger",
        "QuestionnaireKindEnum": "surveys.models.QuestionnaireKind",
        "QuestionKindEnum": "surveys.models.QuestionKind",
        "LanguageEnum": "customers.models.Language",
    },
}

# Content Security Policy: everything is served by us; no CDN, no inline script without a nonce.
# The nonce is django-csp's constant (the text "'nonce'" would be sent literally and rejected);
# templates give every <script> nonce="{{ request.csp_nonce }}". Styles stay 'unsafe-inline':
# Swagger UI and Redoc set inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}
# Browser features no page uses, switched off for every page (core.security.SecurityHeadersMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(self), "
    "geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), "
    "xr-spatial-tracking=()"
)
REFERRER_POLICY = "same-origin"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Security: sessions and logs ---------------------------------------------------------------
# A session idle for 30 minutes is logged out (accounts.middleware.IdleSessionTimeoutMiddleware);
# the session itself lasts 8 hours from its last write. Passwords: at least 12
# characters (AUTH_PASSWORD_VALIDATORS above).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_COOKIE_AGE = 8 * 3600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # fontTools reports every glyph subset it makes for a PDF at INFO: noise, not events.
    "loggers": {"axes": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
# The development server's request lines without query strings or personal links' tokens (as
# gunicorn.conf.py does for gunicorn's access log).
LOGGING["filters"] = {"mask_tokens": {"()": "csm.access_log.MaskTokensFilter"}}
LOGGING["loggers"]["django.server"] = {
    "handlers": ["console"],
    "filters": ["mask_tokens"],
    "level": "INFO",
    "propagate": False,
}
# Django logs every 4xx/5xx answer with its path ("Not Found: /surveys/r/<token>/"): a personal link
# refused with 429 (the guessing limit) is still a working link, so the path is masked here too.
LOGGING["loggers"]["django.request"] = {"handlers": ["console"], "filters": ["mask_tokens"], "propagate": False}

# Complaints: the largest attachment accepted (bytes); whether closing a complaint e-mails the
# customer a satisfaction rating (unless a survey campaign asks instead); how many days a resolved
# complaint waits for the customer's answer before it may be closed unanswered.
COMPLAINTS_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
COMPLAINTS_ASK_RATING_ON_CLOSE = True
COMPLAINTS_CLOSE_UNANSWERED_AFTER_DAYS = 14

# The audit trail's append-only triggers (core/append_only.py). False (the test settings) leaves out
# only those the test runner's flush trips (SQLite's DELETE, PostgreSQL's TRUNCATE trigger); the
# trigger tests install them themselves.
AUDIT_DATABASE_TRIGGERS = True

# PDF reports (core.pdf): a CJK font file to prefer over the system's (WenQuanYi, Noto CJK); empty:
# the system's only.
PDF_FONT = env("PDF_FONT", default="")
