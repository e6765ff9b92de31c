"""Petcare settings, read from the environment.

DEBUG is on when the variable is unset (local use, like Django's own project
template); ``DEBUG=0`` is production and then requires SECRET_KEY and
ALLOWED_HOSTS and turns on every HTTPS setting.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}.")


def database_from_url(url: str) -> dict:
    """Turn ``DATABASE_URL`` into a DATABASES entry (sqlite:///path or postgres://...)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return sqlite_database(unquote(parts.path[1:]) or str(BASE_DIR / "db.sqlite3"))
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "0")),
            "OPTIONS": {**planner_settings(), **dict(parse_qsl(parts.query)), **connection_pool()},
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported.")


def planner_settings() -> dict:
    """PostgreSQL's planner told that reading a page at random costs about
    what reading the next one does (random_page_cost 1.1 instead of 4, the
    usual setting for SSDs and for a database that fits in memory, as a
    pet-care business's does). At 4 it reads all 100,000 clients rather than
    the thousand a search's trigram indexes point at (docs/benchmarks.md).
    DATABASE_RANDOM_PAGE_COST changes it; empty leaves the server's own."""
    cost = os.environ.get("DATABASE_RANDOM_PAGE_COST", "1.1").strip()
    return {"options": f"-c random_page_cost={float(cost)}"} if cost else {}


def connection_pool() -> dict:
    """psycopg's connection pool, per process, when DATABASE_POOL_MAX_SIZE
    is set (docs/deploy.md, "Connections"): each gunicorn worker keeps a few
    connections open instead of opening one per request."""
    max_size = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "0"))
    if max_size <= 0:
        return {}
    return {"pool": {"min_size": 1, "max_size": max_size, "timeout": 10}}


def sqlite_database(path: str) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # IMMEDIATE transactions and a busy timeout: the dev server's threads
        # then queue for the write lock instead of failing "database is locked".
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# The business this deployment serves.
BUSINESS_NAME = os.environ.get("BUSINESS_NAME", "Happy Tails Pet Care")
BUSINESS_EMAIL = os.environ.get("BUSINESS_EMAIL", "hello@happytails.example")
BUSINESS_PHONE = os.environ.get("BUSINESS_PHONE", "(555) 010-2030")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "ninja",
    "petcare",
    "clients",
    "scheduling",
    "portal",
    "api",
]

MIDDLEWARE = [
    "petcare.middleware.HeadWithoutBodyMiddleware",
    # /healthz first: a load balancer asks by address, before host checks,
    # HTTPS redirects, sessions or sign-in.
    "petcare.health.HealthCheckMiddleware",
    "petcare.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (hashed, compressed, cached for a year) straight from the
    # app server, DEBUG or not.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before the session: a write request, its session and its messages are
    # one transaction (rolled back on a server error).
    "petcare.middleware.AtomicWritesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "petcare.middleware.HtmxLoginRedirectMiddleware",
    "petcare.middleware.NoStoreHtmlMiddleware",
]

ROOT_URLCONF = "petcare.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "petcare.context_processors.business",
                "petcare.context_processors.policy",
            ],
        },
    },
]

WSGI_APPLICATION = "petcare.wsgi.application"

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": sqlite_database(str(BASE_DIR / "db.sqlite3"))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "petcare.User"
# django-axes first, to refuse a throttled sign-in before any password is
# hashed; then the one backend that checks credentials and refuses the
# logins of inactive clients.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "clients.backends.ClientAwareBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "clients:list"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Production serves what `collectstatic` wrote: names with a content hash,
# gzip and brotli copies, cached for a year (whitenoise). Local use and the
# tests serve the source files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Background work (petcare.mail): in production a table in the database and
# a worker (`manage.py db_worker`), so no other server is needed; in local
# use and the tests each task runs at once. TASK_BACKEND=database|immediate
# overrides the default.
_task_backend = os.environ.get("TASK_BACKEND") or ("immediate" if DEBUG else "database")
if _task_backend not in {"database", "immediate"}:
    raise ImproperlyConfigured(
        f"TASK_BACKEND must be database or immediate, not {_task_backend!r}."
    )
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if _task_backend == "database"
            else "django.tasks.backends.immediate.ImmediateBackend"
        ),
        "QUEUES": ["default"],
    }
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Console in local use; SMTP (configured from the environment) in production.
if DEBUG:
    _default_mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
else:
    _default_mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "587")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", True),
        },
    }
if os.environ.get("EMAIL_BACKEND"):
    _default_mailer = {"BACKEND": os.environ["EMAIL_BACKEND"]}
MAILERS = {"default": _default_mailer}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", BUSINESS_EMAIL)

CSRF_FAILURE_VIEW = "petcare.views.csrf_failure"

# Failed sign-ins are throttled per account (email lower-cased) and, apart,
# per address, on the staff, portal and app sign-ins alike
# (petcare.throttling): 5 failures of one account in 15 minutes, from
# anywhere, lock that account for 15 minutes; 100 from one address (an office
# or a carrier's shared address makes fewer) lock that address as long.
AXES_HANDLER = "petcare.throttling.AccountAndAddressHandler"
AXES_FAILURE_LIMIT = 5
AXES_ADDRESS_FAILURE_LIMIT = 100  # ours, read by petcare.throttling
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "petcare.throttling.username_from_request"
AXES_LOCKOUT_CALLABLE = "petcare.throttling.lockout_response"
# Nothing tried while locked out is counted, so a right password tried then
# (never checked) does not extend the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful sign-in clears that account's failures only (see
# petcare.throttling.forget_failures): clearing the address's too would let
# anyone with one working login reset their guesses at other accounts.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
# Behind a proxy, the client address is the one it puts first in
# X-Forwarded-For (AXES_IPWARE_PROXY_COUNT says how many proxies to trust).
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Password-reset and invitation links stay valid for three days; the auth
# epoch in their hash voids them at Make Inactive and Re-Activate.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
API_TOKEN_LIFETIME = timedelta(days=int(os.environ.get("API_TOKEN_LIFETIME_DAYS", "30")))
# Opening hours for service requests from clients, "HH:MM-HH:MM" (empty: any time).
BUSINESS_OPENING_HOURS = os.environ.get("BUSINESS_OPENING_HOURS", "07:00-20:00")

# A strict Content-Security-Policy on every page: only our own files, scripts
# only with the per-request nonce, no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# The one switch that allows plain HTTP in production, for a smoke test on
# the machine itself: only when every allowed host is a loopback address.
PLAIN_HTTP_ON_LOOPBACK = env_bool("PLAIN_HTTP_ON_LOOPBACK", False)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
if PLAIN_HTTP_ON_LOOPBACK and not set(ALLOWED_HOSTS) <= LOOPBACK_HOSTS:
    raise ImproperlyConfigured(
        "PLAIN_HTTP_ON_LOOPBACK=1 is only for a server on this machine: ALLOWED_HOSTS "
        f"may then name only {', '.join(sorted(LOOPBACK_HOSTS))}."
    )

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True) and not PLAIN_HTTP_ON_LOOPBACK
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = not PLAIN_HTTP_ON_LOOPBACK
    CSRF_COOKIE_SECURE = not PLAIN_HTTP_ON_LOOPBACK
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Everything of WARNING and above to stderr, in production too (Django's own
# console handler is DEBUG-only), plus one line per request, per service
# action and per background task (petcare.logs): ids, never personal
# details. The "django" logger hands its records to the root logger instead
# of printing them a second time.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_refusals": {"()": "petcare.logs.OneLineRefusals"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # 4xx refusals as one line each (petcare.logs.OneLineRefusals).
        "django.request": {"filters": ["one_line_refusals"], "propagate": True},
        "petcare.requests": {"level": os.environ.get("REQUEST_LOG_LEVEL", "INFO")},
        "petcare.services": {"level": "INFO"},
        "petcare.tasks": {"level": "INFO"},
        "django_tasks_db": {"level": "INFO"},
    },
}
