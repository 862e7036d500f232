"""Voces settings, read from the environment.

With nothing set, Voces runs on the embedded default: SQLite, Celery tasks run in-process,
emails printed to the console and DEBUG on. `DATABASE_URL` and `REDIS_URL` switch to
PostgreSQL and Redis; `DEBUG=false` turns on what `manage.py check --deploy` asks for.
The same code path serves every environment: only the values differ.
"""

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# --- Secrets and hosts -----------------------------------------------------------------

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    # The embedded demo (`make run`): a key of this checkout's own, made on first start and
    # kept out of git in .secret_key (as `make serve` does). A key written in the source would
    # let anyone who reads it sign confirmation links for an installation left on defaults.
    _key_file = BASE_DIR / ".secret_key"
    try:  # created once, atomically: the dev server's two processes start together
        with os.fdopen(os.open(_key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(secrets.token_urlsafe(50) + "\n")
    except FileExistsError:
        pass
    SECRET_KEY = _key_file.read_text().strip()
    if not SECRET_KEY:
        raise ImproperlyConfigured(f"{_key_file} is empty: remove it, and start again.")
# Old keys that still verify signatures (confirmation links, sessions) while a rotation settles.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address of this site, used in emails and share links, e.g. https://voces.example.org
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# The reverse proxies in front of Voces (addresses or CIDRs, e.g. 10.0.0.5,172.16.0.0/12):
# X-Forwarded-For and X-Forwarded-Proto are believed only when the request comes from one of
# them (core.proxies). Empty (the default): the headers are ignored, so no client can pick its
# own address or claim HTTPS.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _cidr in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_cidr!r} is no address or CIDR") from None
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Applications ----------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "django_countries",
    "axes",
    # Voces, bottom to top (see the README's Architecture): every import points down this list.
    "core",
    "campaigns",
    "signatures",
    "webhooks",
    "tallies",
    "results",
    "api",
    "dashboard",
    "public",
    "demo",
    "field",
]

MIDDLEWARE = [
    "core.proxies.ForwardedHeadersMiddleware",
    "config.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API answers gzipped (static files are WhiteNoise's, compressed ahead and
    # answered above this line). Outside every middleware that writes the body, so it
    # compresses the final one; Django adds random bytes to each gzip header (BREACH).
    "django.middleware.gzip.GZipMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.LanguageOverrideMiddleware",
    # A signature sent to the API answers from here (what it needs of the rest is its own).
    "config.middleware.SigningLaneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "config.middleware.DomainErrorMiddleware",
    # Last, as its documentation asks: it answers a locked-out login before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    }
]

# --- Database --------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections save a TCP and auth round trip per request. Django closes a
    # connection that raised an error at the end of that request, so after a database restart
    # each process answers one 503 and then reconnects by itself; CONN_HEALTH_CHECKS=true
    # trades a `SELECT 1` on every request for not even that one.
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
    options = _db.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", 3))

elif _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a task writes; IMMEDIATE avoids upgrade deadlocks.
    _db.setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker ----------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "voces",
            # Short timeouts: a Redis outage must cost a signer milliseconds, not minutes.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Celery workers log through Django's LOGGING (and its email masking), not their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_PREFETCH", default=1)
CELERY_TASK_TIME_LIMIT = 15 * 60  # each task sets a tighter one of its own
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up fast when the broker is down: every task that matters has an outbox
# row that a periodic sweep picks up later, so waiting here would only slow the signer.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    # A task whose worker died (SIGKILL) comes back after this many seconds; longer than the
    # longest task (the hourly reconciliation), so no running task is handed out twice.
    # Nothing waits for it: every task's work is also found by a periodic sweep.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3700),
}
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / ".celerybeat-schedule")
)

# --- Email -----------------------------------------------------------------------------

globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
if env.str("EMAIL_FILE_PATH", default=""):  # with EMAIL_URL=filemail://: one file per email
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Voces <no-reply@voces.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 10

# --- Auth ------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Guessing a password is throttled (django-axes): after LOGIN_FAILURE_LIMIT failures an
# account, and separately a client address, is locked for LOGIN_LOCKOUT_MINUTES, on the
# dashboard's login and the admin's alike. An owner (or a superuser) unlocks from the members
# page; a password reset unlocks too. Attempts are kept only for the lock's life.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "dashboard/locked.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "signatures.client.client_address"  # TRUSTED_PROXIES, as signing
AXES_DISABLE_ACCESS_LOG = True  # failures are what the lock needs; successes are not kept
AXES_VERBOSE = False
LOGIN_URL = "/dashboard/login/"
LOGIN_REDIRECT_URL = "/dashboard/"

# --- Languages -------------------------------------------------------------------------

LANGUAGE_CODE = "es"
LANGUAGES = [
    ("es", _("Spanish")),
    ("en", _("English")),
    ("pt", _("Portuguese")),
    ("fr", _("French")),
]
# locale_countries/pt: django-countries names countries in pt_BR only (scripts/country_names_pt.py).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_countries"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files ----------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))

# --- API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
REST_KNOX = {
    # API tokens are for scripts; they live until revoked.
    "TOKEN_TTL": None,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Voces API",
    "DESCRIPTION": (
        "Campaigns, signatures and tallies of Voces. Public endpoints need no authentication; "
        "organisers authenticate with `Authorization: Token <token>` "
        "(`manage.py create_api_token USERNAME`) or a logged-in session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "CampaignStatusEnum": "campaigns.models.Campaign.Status",
        "SignatureStatusEnum": "signatures.models.Signature.Status",
        "SignatureSourceEnum": "signatures.models.Signature.Source",
        "SignedStatusEnum": [("pending", "pending"), ("confirmed", "confirmed")],
        "SignatureReviewEnum": [("rejected", "rejected"), ("restored", "restored")],
    },
}

# CORS: partner sites' scripts may read public figures and sign, without credentials.
CORS_URLS_REGEX = r"^/api/(v1/(organisations|campaigns|signatures/confirm)(/.*)?|osdi/v1/.*)$"
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "osdi-api-token"]
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False

# --- Security --------------------------------------------------------------------------

# Bodies bigger than this are refused with 413 (imports have their own, larger limit).
MAX_REQUEST_BODY = 64 * 1024
MAX_UPLOAD_BODY = env.int("MAX_UPLOAD_BODY", default=64 * 1024 * 1024)
# A field app's batch of signatures (up to 500 of them).
MAX_BATCH_BODY = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Health probes come over plain HTTP from inside the deployment.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # The preload token only allows a submission to the browsers' list; nothing is submitted.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Voces -----------------------------------------------------------------------------

# Public signing limit per client address ("60/min", "5/s", "1000/h"), or "off".
SIGN_RATE = env.str("SIGN_RATE", default="60/min")
# Group commit (signatures.writer): a web process serving requests in threads stores the
# signatures of concurrent requests with one INSERT and one commit, each answered once its
# row is committed. Off, every signature is its own statement (the `sync` worker class gains
# nothing from it).
SIGN_GROUP_COMMIT = env.bool("SIGN_GROUP_COMMIT", default=True)
# The public stats (polled by pages and widgets) are answered from the bytes a process kept
# for this long before it asks the database again whether the figures moved: a count on
# them may lag its tally by this much (0: ask on every request).
STATS_RECHECK_SECONDS = env.float("STATS_RECHECK_SECONDS", default=0.25)
# Batches from the field app, per collector's account (each up to 500 signatures).
BATCH_RATE = env.str("BATCH_RATE", default="120/h")
# Writes through the OSDI API (people, signatures, tags, taggings), per API token: a
# partner's sync script, not the public's per-address SIGN_RATE.
OSDI_RATE = env.str("OSDI_RATE", default="600/min")
# Outgoing webhooks may only go to public addresses, unless this is set (tests, closed networks).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
# Sign-up forms sent back faster than this after they were shown are quietly rejected.
SIGN_MIN_FILL_SECONDS = env.float("SIGN_MIN_FILL_SECONDS", default=3.0)
# An import job whose worker has not reported for this long is taken over by the sweep.
IMPORT_STALE_SECONDS = env.int("IMPORT_STALE_SECONDS", default=600)
# The outbox sweep leaves an owed email this long to the task published at signing.
OUTBOX_GRACE_SECONDS = env.float("OUTBOX_GRACE_SECONDS", default=15.0)
# How long a confirmation link stays valid.
CONFIRMATION_MAX_AGE = timedelta(days=env.int("CONFIRMATION_MAX_AGE_DAYS", default=14))

# --- Logging ---------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # Email addresses are masked in every log line (j***@example.org).
        "plain": {
            "()": "config.logging.MaskingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": "INFO"},
    },
}
