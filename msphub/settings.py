"""Settings come from environment variables with safe local defaults.

DEBUG is off unless DEBUG=1; with DEBUG off a real SECRET_KEY must be given. The default database is
SQLite in var/ so a newcomer needs nothing else; production and CI set DATABASE_URL (PostgreSQL).
"""

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from msphub.environment import LOG_LEVELS, database_from_url, env_bool, env_choice, env_int

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("MSPHUB_TESTING"):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "simple_history",
    "govuk_frontend_django",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "msphub.core",
    "msphub.accounts",
    "msphub.people",
    "msphub.concerns",
    "msphub.enquiries",
    "msphub.casefile",
    "msphub.documents",
    "msphub.letters",
    "msphub.worktray",
    "msphub.audits",
    "msphub.sars",
    "msphub.annualreport",
    "msphub.measures",
    "msphub.tempcheck",
    "msphub.benchmarks",
    "msphub.governance",
    "msphub.partners",
    "msphub.providers",
    "msphub.feedback",
    "msphub.api",
    "rest_framework",
    "drf_spectacular",
    "msphub.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "msphub.core.middleware.NoStoreMiddleware",
    "msphub.core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The second factor (accounts/two_factor.py): OTPMiddleware marks a session verified once a code is
    # given; SecondFactorMiddleware sends whoever must use one to set it up or give it.
    "django_otp.middleware.OTPMiddleware",
    "msphub.accounts.two_factor.SecondFactorMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "msphub.core.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Answers a rate-limited request with RATELIMIT_VIEW (429) rather than a 403.
    "django_ratelimit.middleware.RatelimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "msphub.urls"
WSGI_APPLICATION = "msphub.wsgi.application"
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "msphub" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "msphub.core.context_processors.service",
                "msphub.core.context_processors.idle_timeout",
                "msphub.accounts.context_processors.can",
                "msphub.accounts.sso.sso",
            ],
        },
    },
]

(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    # A kept connection that died (a database failover) is noticed before a request uses it.
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'msphub.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        pg_jit=env_choice("DB_PG_JIT", ("off", "server"), "off"),
        pg_storage=env_choice("DB_PG_STORAGE", ("ssd", "server"), "ssd"),
    )
}
# The Board dashboard's independent aggregates on two connections at once, from one snapshot
# (msphub.core.concurrent; PostgreSQL only): a second connection for the length of that page.
PARALLEL_QUERIES = env_bool("DB_PARALLEL_QUERIES", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "start"
# A password of at least 12 characters, not like the username or name, not a common password and not
# all digits (docs/security.md). Checked wherever a password is set: the admin and password changes.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one account, that account
# cannot sign in for AXES_COOLOFF_MINUTES; every attempt is kept (axes' tables) and a success resets the
# count. Per address, the sign-in page is rate limited instead (accounts/views.py): a council office
# behind one address must not be locked out by one person's typing.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "msphub.accounts.backends.AccountBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# axes.W006 asks to lock by address too; addresses are limited by django-ratelimit instead (above).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_VERBOSE = False  # axes' own log lines name the username; the access log records attempts instead
# Email: only password reset links are sent, and they name no one (registration/password_reset_email.txt).
# Locally and in tests the message is printed; production sets EMAIL_HOST (SMTP over TLS).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = True
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "msphub <no-reply@localhost>")
# A reset link works for an hour.
PASSWORD_RESET_TIMEOUT = 60 * 60

# A second factor (an authenticator app's code, or a recovery code) for everyone who sees records
# (accounts/two_factor.py). SECOND_FACTOR_REQUIRED=0 turns it off, for local demos only.
OTP_TOTP_ISSUER = "msphub"
SECOND_FACTOR_REQUIRED = env_bool("SECOND_FACTOR_REQUIRED", True)

# Single sign-on through a council's own identity provider (OpenID Connect; accounts/sso.py,
# docs/deploy.md), for councils that have one: off unless OIDC_RP_CLIENT_ID is set. It signs in only
# the existing account with the email address the provider gives, at one of SSO_EMAIL_DOMAINS (never
# creating one: the council's lead makes accounts), never a system administrator, and msphub's own
# second factor is still asked for afterwards.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "").strip()
if OIDC_RP_CLIENT_ID:
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "").strip() or "RS256"
    _sso_needed = ["OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT"]
    _sso_needed += ["OIDC_OP_USER_ENDPOINT", "SSO_EMAIL_DOMAINS"]
    if not OIDC_RP_SIGN_ALGO.startswith("HS"):  # RS256, ES256: signed with the provider's keys
        _sso_needed.append("OIDC_OP_JWKS_ENDPOINT")
    _sso_missing = [name for name in _sso_needed if not os.environ.get(name, "").strip()]
    if _sso_missing:
        raise ImproperlyConfigured(
            f"OIDC_RP_CLIENT_ID is set, so single sign-on needs {', '.join(_sso_missing)} too."
        )
    OIDC_RP_CLIENT_SECRET = os.environ["OIDC_RP_CLIENT_SECRET"].strip()
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["OIDC_OP_AUTHORIZATION_ENDPOINT"].strip()
    OIDC_OP_TOKEN_ENDPOINT = os.environ["OIDC_OP_TOKEN_ENDPOINT"].strip()
    OIDC_OP_USER_ENDPOINT = os.environ["OIDC_OP_USER_ENDPOINT"].strip()
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "").strip() or None
    # The council's own email domains: only addresses there are matched to accounts.
    SSO_EMAIL_DOMAINS = [d.strip().lower() for d in os.environ["SSO_EMAIL_DOMAINS"].split(",") if d.strip()]
    OIDC_RP_SCOPES = "openid email"
    OIDC_CREATE_USER = False  # accounts are made by the council's lead, never by signing in
    OIDC_USE_PKCE = True
    OIDC_TIMEOUT = 10  # seconds, for each request to the identity provider
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("msphub.accounts.sso.CouncilOIDCBackend")
# Benchmark files arrive one per council (153 in England); the import form refuses more than 200.
DATA_UPLOAD_MAX_NUMBER_FILES = 200

# django-ratelimit keeps its counts in the default cache; a server running several processes sets a
# shared cache (CACHE_URL is not supported yet: see docs/security.md).
RATELIMIT_VIEW = "msphub.core.views.rate_limited"
# Text messages (one-time codes to a phone number, core/onetime.py): printed locally; production names a
# class with send(number, text), for example one calling GOV.UK Notify.
# Printing would put codes in the server's log: outside local use and tests, no texts are sent unless
# a backend is named.
TEXT_MESSAGE_BACKEND = os.environ.get(
    "TEXT_MESSAGE_BACKEND",
    "msphub.core.onetime.ConsoleTextMessages"
    if DEBUG or env_bool("MSPHUB_TESTING")
    else "msphub.core.onetime.NoTextMessages",
)

# The API for partner systems (msphub/api, docs/api.md): Django REST framework with drf-spectacular's
# OpenAPI 3 schema. msphub/api sets its own authentication, permissions and throttles per view.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "msphub API for partner systems",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}
# Behind a load balancer, the header it adds with the client's address (X-Forwarded-For); blank: the
# connection's own address. core.clients.client_ip reads it for rate limits, lockouts and the log.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "").strip()
RATELIMIT_IP_META_KEY = "msphub.core.clients.client_ip"
AXES_CLIENT_IP_CALLABLE = "msphub.core.clients.client_ip"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "msphub" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Sessions end when the browser closes and after IDLE_TIMEOUT_MINUTES (30 by default) without a request:
# shared office machines. Requests renew the session (core.middleware.IdleTimeoutMiddleware); each page
# warns two minutes before the end and offers to stay signed in (msphub/static/msphub/timeout.js).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
IDLE_TIMEOUT_MINUTES = env_int("IDLE_TIMEOUT_MINUTES", 30, minimum=5)
SESSION_COOKIE_AGE = IDLE_TIMEOUT_MINUTES * 60
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind HTTPS (secure cookies on), browsers are told to use nothing else for a year.
SECURE_HSTS_SECONDS = 31_536_000 if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Background work (reports, imports) through the django-tasks backport of Django's tasks API.
# TASKS_BACKEND=database queues tasks in PostgreSQL for `manage.py db_worker` processes (production);
# by default a task runs at once in the request that enqueues it (development and tests).
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[env_choice("TASKS_BACKEND", ("immediate", "database"), "immediate")]
    }
}

# Logs carry references and ids, never names or free text (see docs/architecture.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", LOG_LEVELS, "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and its font library narrate every step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "matplotlib": {"level": "WARNING"},
    },
}

MSPHUB = {
    "SERVICE_NAME": "Making Safeguarding Personal hub",
    # A demo or training site says so on every page, so nobody enters a real person there; a live
    # site must not (DEMO_SITE, on by default only with DEBUG).
    "DEMO_SITE": env_bool("DEMO_SITE", DEBUG),
    # A first conversation with the adult is due within this many hours of the concern being received.
    "FIRST_CONTACT_HOURS": 24,
    # Documents (documents/storage.py): private files, outside the static files, with no URL.
    "DOCUMENTS_DIR": os.environ.get("DOCUMENTS_DIR", "").strip() or BASE_DIR / "var" / "documents",
    "DOCUMENT_MAX_MB": env_int("DOCUMENT_MAX_MB", 10, minimum=1),
    # Virus scanning through ClamAV's clamd: off unless a socket or host is set (documents/scanning.py).
    "CLAMD_SOCKET": os.environ.get("CLAMD_SOCKET", "").strip(),
    "CLAMD_HOST": os.environ.get("CLAMD_HOST", "").strip(),
    "CLAMD_PORT": env_int("CLAMD_PORT", 3310, minimum=1),
    "CLAMD_TIMEOUT": env_int("CLAMD_TIMEOUT", 30, minimum=1),
    # The address people open msphub at, for the links in notification emails.
    "SITE_URL": os.environ.get("SITE_URL", "").strip() or "http://127.0.0.1:8000",
}
