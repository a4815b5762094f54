"""Settings shared by every environment.

Every secret and endpoint comes from the environment with a safe local default; environment
specific modules (local, test, production) only override what differs.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from pythonjsonlogger.core import RESERVED_ATTRS
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from config.database import StatementCachingCursor

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY", "entraide-local-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)

# The public host: product site, platform console, platform API and the Stripe webhook.
# Tenants live on "<slug>.BASE_DOMAIN" or on a verified custom domain.
BASE_DOMAIN = env("BASE_DOMAIN", "localhost")
BASE_URL_SCHEME = env("BASE_URL_SCHEME", "http")
BASE_PORT = env("BASE_PORT", "8000")

# Hosts served: the base domain, tenant subdomains (both below) and *verified* custom domains.
# Custom domains are database rows that a static list cannot hold: the routing middleware
# (tenants.middleware.TenantRoutingMiddleware), the first to read the Host header, vouches for the
# verified one it routed to, so request.get_host() accepts it and nothing else. A missing or
# malformed Host is a 400, an unknown host a 404 page (tests/tenants/test_hosts.py).
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "") or [BASE_DOMAIN, "." + BASE_DOMAIN]

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "tenants.outbox",
    "billing",
    "accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI's files, pinned, from our static files (the API docs load nothing from a CDN).
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "leaflet",
    # The platform console's TOTP devices (public schema only: platform staff).
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The public host (BASE_DOMAIN): product site, self-serve sign-up, platform console.
    "website",
    "signup",
    "console",
]

TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "accounts",
    "rest_framework.authtoken",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.facebook",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    # The tenant's API tokens (a table in tenant schemas only).
    "accounts.api_tokens",
    "engagement",
    # Each tenant schema has its own audit trail.
    "tenants.audit",
    # Each tenant schema has its own legal pages and the terms acceptances of its users.
    "tenants.legal",
    # Each tenant schema has its own outbox table, written in the tenant's transactions.
    "tenants.outbox",
]

INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
# Provisioning clones this migrated, empty schema (see tenants/provisioning.py).
TENANT_TEMPLATE_SCHEMA = "tenant_template"
# search_path is sent once per request instead of on every cursor.
TENANT_LIMIT_SET_CALLS = True
TENANT_COLOR_ADMIN_APPS = False

# Outermost first; each entry says why it sits where it does.
MIDDLEWARE = [
    # Outermost: request metrics (tenants/metrics.py) time and count every answer, the refusals
    # and probes below included, under a fixed name when no view gave it.
    "tenants.metrics.RequestMetricsBeforeMiddleware",
    # Next: one request id and one access line for every answer, the refusals below included.
    "tenants.request_log.RequestLogMiddleware",
    # Before routing: /healthz and /readyz answer on any host, /healthz without the database.
    "tenants.middleware.HealthCheckMiddleware",
    # Before routing: security headers go on every answer, routing's 400/404 pages included.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before routing, as the line above (it reads the tenant's tile origin on the way out).
    "config.security.SecurityHeadersMiddleware",
    # Static files before routing: the same files for every host, served with no host lookup, no
    # session and no query (hashed names cached for a year; ManifestStaticFilesStorage in
    # production). Below the two lines above, so they carry the security headers too; TLS is the
    # ingress's, so Django's HTTPS redirect is not needed for them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Host → tenant: schema, URLconf; an unknown host stops here (404) before any session.
    "tenants.middleware.TenantRoutingMiddleware",
    # Right after routing: unsafe input (NUL bytes, deep JSON) is refused before anything reads it.
    "tenants.request_input.RequestInputMiddleware",
    # After routing: its HTTPS redirect reads request.get_host(), which needs the routed host.
    "django.middleware.security.SecurityMiddleware",
    # After routing: sessions live in the tenant's schema.
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Language and time zone, once, before anything below can render a page (replaces Django's
    # LocaleMiddleware at its place: after sessions, before CommonMiddleware).
    "tenants.middleware.TenantLocaleMiddleware",
    # After the language (its redirects and 404s are rendered), before CSRF (Django's rule).
    "django.middleware.common.CommonMiddleware",
    # Before any view that handles a form; its failure page is in the request's language.
    "django.middleware.csrf.CsrfViewMiddleware",
    # After sessions: request.user comes from the tenant's session.
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Needs request.user: a private tenant's pages and API for its signed-in members only.
    "tenants.private_access.PrivateInstanceMiddleware",
    # Needs request.user (admins go to the billing page) and the language (its read-only page).
    "billing.middleware.BillingAccessMiddleware",
    # After sessions (its storage); after billing, whose refusals carry no message.
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx for the views; placed with the view-facing middlewares.
    "django_htmx.middleware.HtmxMiddleware",
    # allauth's per-request state for its flows; needs request.user.
    "allauth.account.middleware.AccountMiddleware",
    # Needs request.user and allauth's state (staff reach admin areas only with MFA).
    "accounts.middleware.AdminAreaMfaMiddleware",
    # Needs request.user and the resolved URL; after the MFA guard, whose redirect to the
    # second-factor set-up comes first (the terms are then asked on the next page).
    "tenants.legal.middleware.TermsAcceptanceMiddleware",
    # Innermost: the view's name (resolved URL pattern), status and latency; answers given by a
    # middleware above never get here and are recorded by the first one.
    "tenants.metrics.RequestMetricsAfterMiddleware",
]

# engagement/<domain>/ subpackages with templates of their own.
ENGAGEMENT_DOMAINS = (
    "missions",
    "organizations",
    "participations",
    "volunteers",
    "moderation",
    "emails",
    "backoffice",
    "reminders",
    "calendars",
    "friends",
    "alerts",
    "groups",
    "programmes",
    "campaigns",
    "worktime",
    "directory",
    "sharing",
    "reports",
)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Each engagement domain keeps its pages' templates beside its views (they are
        # subpackages of one Django app, so the app directories loader would not find them).
        "DIRS": [BASE_DIR / "templates"]
        + [BASE_DIR / "engagement" / domain / "templates" for domain in ENGAGEMENT_DOMAINS],
        "APP_DIRS": True,
        "OPTIONS": {
            # `{% url %}` in every template, each URL reversed once per process.
            "builtins": ["config.url_tag"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.tenant",
                "billing.context_processors.billing",
                "engagement.inbox.context_processors.inbox",
            ],
        },
    },
]

# Django's widget, label and error templates through Jinja2, in less than half the time; the
# project's own widget templates through Django's engine (config/form_renderer.py).
FORM_RENDERER = "config.form_renderer.FormRenderer"

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/entraide"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# Django's psycopg cursor with the conversion of long statements (the search's) cached in the
# process (config/database.py).
DATABASES["default"].setdefault("OPTIONS", {})["cursor_factory"] = StatementCachingCursor
ORIGINAL_BACKEND = "django.contrib.gis.db.backends.postgis"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        # Django's Redis cache, missing instead of failing while Redis is down (tenants/cache.py).
        "BACKEND": "tenants.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "entraide"),
        # Every key carries the schema of the tenant that wrote it.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "OPTIONS": {
            # A Redis that does not answer costs a request at most this long, once (see below).
            "socket_connect_timeout": float(env("REDIS_CONNECT_TIMEOUT_SECONDS", "0.5")),
            "socket_timeout": float(env("REDIS_TIMEOUT_SECONDS", "1")),
            # A connection left stale by a Redis restart is reconnected and the command sent again
            # (once, at once), and an idle one is checked first: no request fails on it.
            "retry": Retry(NoBackoff(), 1),
            "retry_on_error": [RedisConnectionError],
            "health_check_interval": 30,
        },
    },
}
# After a Redis failure, the cache and host routing skip Redis this long (then try it again).
REDIS_RETRY_AFTER_SECONDS = float(env("REDIS_RETRY_AFTER_SECONDS", "2"))

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# Database sessions in the tenant's schema, read with one statement (tenants/sessions.py).
SESSION_ENGINE = "tenants.sessions"
# Sessions and CSRF cookies stay on the host that set them: a Paris session never reaches
# Montréal, even though both are subdomains of BASE_DOMAIN.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
# Every signed value names its tenant (tenants/signing.py): the messages cookie here, password
# reset tokens and e-mail confirmation keys below.
MESSAGE_STORAGE = "tenants.signing.TenantMessageStorage"
# A branded page (JSON under /api/) instead of Django's own.
CSRF_FAILURE_VIEW = "tenants.error_pages.csrf_failure"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("fr-ca", _("Français (Canada)")), ("en", _("English"))]
# Corrections of Django's locale formats (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes (the image: /app/var/static; a bench: a temporary folder).
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
# Uploaded files land under MEDIA_ROOT/<schema>/.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Entraide <no-reply@entraide.localhost>")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Token first: DRF takes the WWW-Authenticate challenge from the first authenticator, so a
    # missing or foreign (another tenant's) token is a 401 on every API view, not a 403. The
    # tenant's API tokens (`Bearer ent_…`, accounts.api_tokens) come next.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "tenants.api_conventions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "tenants.api_conventions.Pagination",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Entraide API",
    "DESCRIPTION": "Find and join volunteering missions on an Entraide tenant.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tenants.api_conventions.document_error_responses",
    ],
    # Three models have a `status`: give each enum its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "MissionStatusEnum": "engagement.missions.models.Mission.Status",
        "SlotStatusEnum": "engagement.missions.models.Slot.Status",
        "ParticipationStatusEnum": "engagement.participations.models.Participation.Status",
        "OrganizationKindEnum": "engagement.organizations.models.Organization.Kind",
        "NotificationKindEnum": "engagement.inbox.models.Notification.Kind",
    },
}

# Celery: the tenant's schema travels in every task's headers (tenant-schemas-celery).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "entraide")
# Publishing gives up fast when the broker is down (the outbox keeps the task, tenants/outbox/).
CELERY_BROKER_CONNECTION_TIMEOUT = float(env("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "health_check_interval": 30}

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (48.8566, 2.3522),
    "DEFAULT_ZOOM": 12,
    "RESET_VIEW": False,
}

SENTRY_DSN = env("SENTRY_DSN", "")

# One JSON object per line and per event (python-json-logger): timestamp, level, logger, message
# (the event name), tenant, request_id, user_id, every `extra=` field, and exc_info as a string.
# LOG_FORMAT=text gives a human format for a developer's terminal.
LOG_FORMAT = env("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant": {"()": "tenants.context.TenantLogFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
            # The standard LogRecord attributes, plus what must not be printed: the request
            # object django.request attaches (its repr), and the text format's tenant field.
            "reserved_attrs": [*RESERVED_ATTRS, "request", "schema_name", "taskName"],
        },
        "text": {
            "format": (
                "%(asctime)s %(levelname)s %(name)s tenant=%(schema_name)s "
                "request=%(request_id)s user=%(user_id)s %(message)s"
            ),
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant"],
            "formatter": LOG_FORMAT if LOG_FORMAT in {"json", "text"} else "json",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates each rendering step at INFO (several lines per PDF).
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
# Workers log through LOGGING too (Celery would otherwise replace the root logger's handlers).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Beat's scheduler touches the heartbeat `python -m config.probes beat` reads, and wakes at least
# this often (config/probes.py BEAT_MAX_LOOP_SECONDS) so a live beat always has a fresh one.
CELERY_BEAT_SCHEDULER = "config.heartbeats:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 30

# Host → tenant cache lifetime; entries are also deleted whenever a Tenant or Domain changes.
TENANT_ROUTING_CACHE_SECONDS = int(env("TENANT_ROUTING_CACHE_SECONDS", "3600"))

# migrate_schemas skips tenant schemas that already have every migration on disk (one query reads
# all their django_migrations tables); the others go through django-tenants' executor.
GET_EXECUTOR_FUNCTION = "tenants.migration_executor.get_executor"
TENANT_MIGRATIONS_SKIP_UP_TO_DATE = env_bool("TENANT_MIGRATIONS_SKIP_UP_TO_DATE", True)
TENANT_MULTIPROCESSING_MAX_PROCESSES = int(env("TENANT_MULTIPROCESSING_MAX_PROCESSES", "2"))

# The platform API's deprovisioning writes each tenant's pg_dump export here.
TENANT_EXPORT_DIR = env("TENANT_EXPORT_DIR", str(BASE_DIR / "var" / "exports"))

# Reserved slugs never become tenant subdomains.
TENANT_RESERVED_SLUGS = frozenset(
    {
        "www",
        "api",
        "admin",
        "public",
        "static",
        "media",
        "console",
        "app",
        "mail",
        "billing",
        "status",
        "help",
        "support",
        "docs",
        "blog",
        "assets",
        "cdn",
        "auth",
        "login",
        "signup",
        "tenant_template",
        "template",
        "pg",
        "information_schema",
        # The name custom domains point their CNAME at (PLATFORM_CNAME_TARGET below).
        "ingress",
        # Names a visitor could mistake for the platform's own (self-serve sign-up refuses them,
        # and their lookalikes: signup/slugs.py).
        "entraide",
        "smtp",
        "imap",
        "pop",
        "pop3",
        "ftp",
        "sftp",
        "ssh",
        "vpn",
        "dns",
        "ns",
        "ns1",
        "ns2",
        "mx",
        "webmail",
        "email",
        "sso",
        "oauth",
        "saml",
        "scim",
        "id",
        "account",
        "accounts",
        "dashboard",
        "pricing",
        "dev",
        "staging",
        "test",
        "demo",
        "root",
        "security",
        "abuse",
        "postmaster",
        "hostmaster",
        "webmaster",
        "noreply",
        "no-reply",
        "stripe",
        "payments",
        "pay",
        "checkout",
        "legal",
        "privacy",
        "terms",
        "gestion",
        "platform",
        "internal",
        "localhost",
    }
)

# Self-serve sign-up (signup/) ---------------------------------------------------------------
# How long a sign-up holds its address before its e-mail is verified and its checkout done.
SIGNUP_SLUG_HOLD_SECONDS = int(env("SIGNUP_SLUG_HOLD_SECONDS", str(2 * 3600)))
# How long the e-mailed verification link works.
SIGNUP_EMAIL_LINK_SECONDS = int(env("SIGNUP_EMAIL_LINK_SECONDS", str(24 * 3600)))
# How long the hand-off from the progress page to the new instance works (single use).
SIGNUP_HANDOFF_SECONDS = int(env("SIGNUP_HANDOFF_SECONDS", "600"))
# Sliding-window rates (allauth's syntax "<n>/<period>"), per client address and per e-mail.
SIGNUP_RATE_LIMITS = {
    "signup_ip": env("SIGNUP_RATE_LIMIT_IP", "10/h"),
    "signup_email": env("SIGNUP_RATE_LIMIT_EMAIL", "3/h"),
    "signup_check": env("SIGNUP_RATE_LIMIT_CHECK", "120/m"),
}

# Custom domains (tenants/domains.py, tenants/dns.py) -------------------------------------------
# A tenant admin's domain routes once the DNS shows a CNAME to this name and a TXT record
# "_entraide-challenge.<domain>" holding the domain's token. Point this name at the ingress's
# load balancer (a wildcard record for *.BASE_DOMAIN, which tenant subdomains need anyway, does).
PLATFORM_CNAME_TARGET = env("PLATFORM_CNAME_TARGET", "") or f"ingress.{BASE_DOMAIN}"
# The DNS servers checks ask (comma-separated addresses); empty: the system's resolver
# (/etc/resolv.conf). Answers are never cached: a check sees the records as they are now.
DNS_RESOLVER_NAMESERVERS = env_list("DNS_RESOLVER_NAMESERVERS", "")
DNS_RESOLVER_PORT = int(env("DNS_RESOLVER_PORT", "53"))
# The time one check (every look-up it makes) may take, so "Verify now" answers promptly.
DNS_CHECK_TIMEOUT_SECONDS = float(env("DNS_CHECK_TIMEOUT_SECONDS", "5"))
# Pending domains are checked again every CUSTOM_DOMAIN_CHECK_SECONDS at first, twice as long after
# each failure up to CUSTOM_DOMAIN_CHECK_MAX_SECONDS, and no more after CUSTOM_DOMAIN_CHECK_DAYS
# ("Verify now" starts a new period). Another tenant may claim a name whose period is over.
CUSTOM_DOMAIN_CHECK_SECONDS = int(env("CUSTOM_DOMAIN_CHECK_SECONDS", "600"))
CUSTOM_DOMAIN_CHECK_MAX_SECONDS = int(env("CUSTOM_DOMAIN_CHECK_MAX_SECONDS", str(6 * 3600)))
CUSTOM_DOMAIN_CHECK_DAYS = int(env("CUSTOM_DOMAIN_CHECK_DAYS", "7"))
# Domains one run of the periodic check looks at (the others wait for the next run).
CUSTOM_DOMAIN_CHECK_BATCH = int(env("CUSTOM_DOMAIN_CHECK_BATCH", "100"))

# Debian 12 ships GDAL 3.6; Entraide never loads spatial references from user-supplied files.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# allauth: e-mail is the login; accounts live in the tenant's schema (see accounts/adapters.py).
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = BASE_URL_SCHEME
# A whole company signs in from one office address: sign-in attempts per address have a generous
# ceiling (2,000 people in ten minutes fit in 1000/m), and password guessing is stopped by failed
# attempts, per address (with a room for an office's typos) and per account whatever the address.
# Successful sign-ins are counted per account and per SSO connection (accounts.sign_in_limits).
ACCOUNT_RATE_LIMITS = {
    "login": "1000/m/ip",
    "login_failed": "30/m/ip,300/h/ip,5/5m/key",
}
ACCOUNTS_SIGN_IN_RATE_LIMITS = {
    # One person signing in more often than this is a script with their credentials.
    "sign_in_account": "20/10m/key",
    # Per SSO connection and per address: the whole company through its identity provider.
    "sign_in_sso_connection": "1000/m/key",
    "sign_in_sso_address": "1000/m/ip",
}
# Sign-up and password reset answer the same whether an address has an account or not; its owner
# is told by e-mail instead (accounts.forms.SignupForm, accounts.stages).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# Only SSO connections turn e-mail authentication on (per app, for their allowed domains, see
# accounts/sso/connections.py); when they do, the account found is connected to the SSO identity.
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True

# Billing (billing/): Stripe keys, the Stripe Price of each plan and interval, and access rules.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", "")
# Empty means Stripe's own API; tests point it at a local fake (http://127.0.0.1:PORT).
STRIPE_API_BASE = env("STRIPE_API_BASE", "")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = int(env("STRIPE_WEBHOOK_TOLERANCE_SECONDS", "300"))
STRIPE_TIMEOUT_SECONDS = int(env("STRIPE_TIMEOUT_SECONDS", "20"))
STRIPE_MAX_NETWORK_RETRIES = int(env("STRIPE_MAX_NETWORK_RETRIES", "2"))
# "<plan code>:<interval>" → Stripe Price id (billing/plans.py lists the plans).
STRIPE_PRICES = {
    f"{plan}:{interval}": env(f"STRIPE_PRICE_{plan.upper()}_{interval.upper()}", "")
    for plan in ("city_essential", "city_premium", "company_standard", "company_enterprise")
    for interval in ("month", "year")
}
# Days a past_due tenant keeps full access before it is suspended.
BILLING_GRACE_DAYS = int(env("BILLING_GRACE_DAYS", "14"))
# Seat changes within this window are sent to Stripe as one update.
BILLING_SEAT_SYNC_DELAY_SECONDS = int(env("BILLING_SEAT_SYNC_DELAY_SECONDS", "60"))
# Scheduled billing work (celery beat), merged into any schedule defined above.
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "billing-deadlines-enforce": {
        "task": "billing.tasks.billing_deadlines_enforce",
        "schedule": 15 * 60,
    },
    "billing-stripe-events-retry-stale": {
        "task": "billing.tasks.stripe_events_retry_stale",
        "schedule": 10 * 60,
    },
    "outbox-sweep": {"task": "outbox.sweep", "schedule": 60},
    # Pending custom domains (tenants/domains.py); each domain waits longer after each failure.
    "custom-domains-check-due": {
        "task": "tenants.tasks.custom_domains_check_due",
        "schedule": CUSTOM_DOMAIN_CHECK_SECONDS,
    },
    # The audit trail's retention (tenants/audit/tasks.py), once a day.
    "audit-purge-expired": {"task": "audit.purge_expired", "schedule": 24 * 3600},
}
# Days each tenant keeps its audit trail (sign-ins, changes, exports); older rows are deleted by
# the daily task above. Rows name people and addresses: keep it no longer than the tenants need
# to answer "who did this?" (a year and a month by default).
AUDIT_RETENTION_DAYS = int(env("AUDIT_RETENTION_DAYS", "400"))
# Transactional outbox (tenants/outbox/): rows left pending by a broker outage are sent by the
# sweep (every minute, above) once they are this old (the sender right after the commit goes first);
# rows sent this long ago and still not done are sent again (a Redis restarted empty lost them);
# a row is given up (status "dead", logged as an error) after this many sends.
OUTBOX_SWEEP_GRACE_SECONDS = int(env("OUTBOX_SWEEP_GRACE_SECONDS", "10"))
OUTBOX_RESEND_AFTER_SECONDS = int(env("OUTBOX_RESEND_AFTER_SECONDS", "900"))
OUTBOX_MAX_ATTEMPTS = int(env("OUTBOX_MAX_ATTEMPTS", "10"))
# The sweep probes only the schemas whose outbox holds rows according to PostgreSQL's statistics,
# and every schema this often (statistics lag a little, and a crash resets them).
OUTBOX_FULL_PROBE_SECONDS = int(env("OUTBOX_FULL_PROBE_SECONDS", "600"))


# Sign-in (accounts) ------------------------------------------------------------------------------
# Tenant login rules, SSO and MFA live in accounts/ (adapters, policy, sso/); policy values are
# Tenant fields, never settings. Secrets at rest (client secrets, SP private keys, TOTP seeds) are
# encrypted with these Fernet keys (comma-separated; the first encrypts, all decrypt). Local and
# test settings carry a development key; production must set ENTRAIDE_SECRET_ENCRYPTION_KEYS.
ENTRAIDE_SECRET_ENCRYPTION_KEYS = env_list("ENTRAIDE_SECRET_ENCRYPTION_KEYS", "")
AUTHENTICATION_BACKENDS = ["accounts.backends.TenantAuthenticationBackend"]
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm", "add_email": "accounts.forms.AddEmailForm"}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "tenants.signing.TenantPasswordResetTokenGenerator"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "facebook": {
        "METHOD": "oauth2",
        "SCOPE": ["email", "public_profile"],
        "FIELDS": ["id", "email", "name", "first_name", "last_name"],
        "VERIFIED_EMAIL": False,
        "VERSION": "v19.0",
    },
    "openid_connect": {
        "provider_class": "accounts.sso.oidc.StrictOpenIDConnectProvider",
        "OAUTH_PKCE_ENABLED": True,
    },
}
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Tenant admins need MFA before any of these (plus views marked accounts.middleware.admin_area).
ACCOUNTS_ADMIN_AREA_PREFIXES = ("/admin/", "/accounts/settings/", "/gestion/")
# Metadata / discovery URLs given by tenant admins: https and public addresses only.
ACCOUNTS_SSO_ALLOW_PRIVATE_URLS = env_bool("ACCOUNTS_SSO_ALLOW_PRIVATE_URLS", False)
ACCOUNTS_SSO_FETCH_TIMEOUT_SECONDS = int(env("ACCOUNTS_SSO_FETCH_TIMEOUT_SECONDS", "10"))


# Security headers (config/security.py) ---------------------------------------------------------
# Scripts: own origin and the per-request nonce only (no inline script, no inline event handler).
# Styles keep 'unsafe-inline': the tenant's colours are a <style> block and style attributes
# (public home swatches), and Leaflet, htmx, Swagger UI and Django's admin set inline styles.
# img-src also gets the tenant's map tile server (Tenant.tile_url), added per request.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
# Tile servers (OpenStreetMap's policy) need to see which site asks: send the origin only.
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Client addresses (tenants/client_ip.py): how many reverse proxies in front of the app append to
# X-Forwarded-For. 0 (local runs) trusts no header; the Helm chart sets 1 (the ingress). Every
# rate limit, allauth's included, reads the address through that one helper.
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT


# Back office exports (issue 13, engagement/backoffice/services_exports.py) ----------------------
# A finished export can be downloaded this long (its signed link and its file), then the file is
# deleted by the hourly purge below (and refused with a 410 page before that, at the minute).
BACKOFFICE_EXPORT_LINK_SECONDS = int(env("BACKOFFICE_EXPORT_LINK_SECONDS", str(24 * 3600)))
# Exports an admin may have queued or running at once (a new one is refused until one ends).
BACKOFFICE_EXPORT_MAX_ACTIVE_PER_ADMIN = int(env("BACKOFFICE_EXPORT_MAX_ACTIVE_PER_ADMIN", "1"))
# A job with no sign of life for this long (its worker died) is failed, and frees its admin.
BACKOFFICE_EXPORT_STALE_SECONDS = int(env("BACKOFFICE_EXPORT_STALE_SECONDS", "600"))
# Rows fetched from PostgreSQL per round trip; the job's progress is saved after each chunk.
BACKOFFICE_EXPORT_CHUNK_ROWS = int(env("BACKOFFICE_EXPORT_CHUNK_ROWS", "2000"))
# Messages an organization may send to its participants (engagement/organization_messages/).
ORGANIZATION_MESSAGES_PER_HOUR = int(env("ORGANIZATION_MESSAGES_PER_HOUR", "5"))
ORGANIZATION_MESSAGES_PER_DAY = int(env("ORGANIZATION_MESSAGES_PER_DAY", "20"))
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "backoffice-exports-purge": {"task": "engagement.export_jobs_purge", "schedule": 3600},
    # Saved-search alerts: every hour on the hour, the tenants where it is
    # SAVED_SEARCH_ALERTS_LOCAL_HOUR o'clock get their daily run (engagement/alerts/services.py).
    "saved-search-alerts": {
        "task": "engagement.saved_search_alerts_schedule",
        "schedule": crontab(minute=0),
    },
    # Hourly: digests leave at 08:00 in each tenant's time zone (engagement/emails/digests.py).
    "email-digests": {"task": "engagement.email_digests_schedule", "schedule": 3600},
}


# Reminders (engagement/reminders/) --------------------------------------------------------------
# Every 15 minutes each tenant looks for the reminders due in its own time zone: "Still coming?"
# two days before a slot, the reminder the day before, "How was it?" after it. No reminder is sent
# during the quiet hours, from START to END o'clock local time (END < START: the window spans
# midnight): what falls in them waits until they end (the next run after END sends it).
REMINDERS_QUIET_HOURS_START = int(env("REMINDERS_QUIET_HOURS_START", "21"))
REMINDERS_QUIET_HOURS_END = int(env("REMINDERS_QUIET_HOURS_END", "8"))
# "How was it?" is sent up to this many days after the slot ends (a later run sends none).
REMINDERS_FOLLOW_UP_DAYS = int(env("REMINDERS_FOLLOW_UP_DAYS", "3"))
# The answer links ("Yes", "I can't come", the hours) stay valid this long after sending.
REMINDERS_LINK_SECONDS = int(env("REMINDERS_LINK_SECONDS", str(14 * 24 * 3600)))
# Due participations read per keyset batch (one short transaction each), and e-mails per task.
REMINDERS_BATCH_SIZE = int(env("REMINDERS_BATCH_SIZE", "2000"))
REMINDERS_EMAILS_PER_TASK = int(env("REMINDERS_EMAILS_PER_TASK", "200"))
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "reminders-send-due": {"task": "engagement.reminders_send_due", "schedule": 15 * 60},
}
# The local hour (tenant's time zone) at which saved-search alerts are sent.
SAVED_SEARCH_ALERTS_LOCAL_HOUR = int(env("SAVED_SEARCH_ALERTS_LOCAL_HOUR", "8"))
# The mailbox named in the alerts' List-Unsubscribe mailto (default: DEFAULT_FROM_EMAIL's).
ALERTS_UNSUBSCRIBE_MAILBOX = env("ALERTS_UNSUBSCRIBE_MAILBOX", "")


# Group sign-up (engagement/groups/services.py): seats held for friends are released when their
# time is up (HOLD_DURATION there, 24 hours); the sweep runs every five minutes.
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "seat-holds-expire": {"task": "engagement.seat_holds_expire", "schedule": 300},
}


# Missions near the offices, from the cities (engagement/sharing/): every 30 minutes each
# company's copy of the cities' shared missions and its employees' hours are brought up to date.
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "sharing-refresh": {"task": "engagement.sharing_refresh_everywhere", "schedule": 30 * 60},
}


# Product site (website/): the address its contact links write to.
WEBSITE_CONTACT_EMAIL = env("WEBSITE_CONTACT_EMAIL", "contact@entraide.localhost")

# Places (engagement/places/): each tenant chooses its geocoder (Tenant.geocoder: offline, ban or
# nominatim). The services' addresses are settings so tests point them at a loopback server.
PLACES_BAN_URL = env("PLACES_BAN_URL", "https://api-adresse.data.gouv.fr")
PLACES_NOMINATIM_URL = env("PLACES_NOMINATIM_URL", "https://nominatim.openstreetmap.org")
# Nominatim's usage policy: a user agent naming the application and a contact.
PLACES_CONTACT_EMAIL = env("PLACES_CONTACT_EMAIL", "contact@entraide.localhost")
PLACES_HTTP_TIMEOUT_SECONDS = float(env("PLACES_HTTP_TIMEOUT_SECONDS", "3"))
# How long a request waits for its turn at Nominatim (one request per second) before giving up.
PLACES_NOMINATIM_MAX_WAIT_SECONDS = float(env("PLACES_NOMINATIM_MAX_WAIT_SECONDS", "2"))
# A service that failed is left alone this long (unless its Retry-After says otherwise).
PLACES_CIRCUIT_OPEN_SECONDS = float(env("PLACES_CIRCUIT_OPEN_SECONDS", "30"))
# The autocomplete endpoint, per client IP.
PLACES_SUGGEST_RATE_PER_MINUTE = int(env("PLACES_SUGGEST_RATE_PER_MINUTE", "120"))

# The platform console's usage figures (tenants/usage.py): every hour, and on demand.
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "tenant-usage-refresh": {"task": "tenants.tasks.usage_refresh", "schedule": 60 * 60},
}
# Who a suspended instance's page tells visitors to contact (tenants/middleware.py).
PLATFORM_SUPPORT_EMAIL = env("PLATFORM_SUPPORT_EMAIL", "support@entraide.app")
# Seconds a suspended instance's 503 asks clients to wait before trying again.
TENANT_SUSPENDED_RETRY_AFTER = 3600


# Deployment: connection pooling and secret rotation (issue 17, Helm chart) -----------------------
# DATABASE_POOL_MODE says what DATABASE_URL points at: `direct` (PostgreSQL) or `session` (a
# PgBouncer in session mode; then DATABASE_CONN_MAX_AGE=0 gives each request's server connection
# back to the pool). `transaction` is refused: django-tenants keeps the tenant's search_path as
# session state (sent once per request with TENANT_LIMIT_SET_CALLS, outside any transaction),
# provisioning holds a session advisory lock across the template's transactions, and exports read
# through server-side cursors; under transaction pooling the next statement may run on another
# server connection, in another tenant's schema.
DATABASE_POOL_MODE = env("DATABASE_POOL_MODE", "direct").strip().lower()
if DATABASE_POOL_MODE not in {"direct", "session"}:
    raise ImproperlyConfigured(
        f"DATABASE_POOL_MODE={DATABASE_POOL_MODE!r}: use 'direct' or 'session' (PgBouncer's "
        "transaction pooling would mix tenants' search_path; see docs/operations.md)."
    )
# No JIT compilation for the application's sessions: its queries read a page, and a plan
# whose cost estimate crosses jit_above_cost (a misestimated filter) paid 26-104 ms of
# compilation for a few ms of execution (docs/benchmarks.md, "Broad search"). Sent as a
# start-up option on direct connections, so it holds for every connection of web and workers,
# whatever the role's settings; DATABASE_JIT=true gives the server's setting back. Not through
# PgBouncer: it refuses a start-up option it does not track ("unsupported startup parameter"),
# so there the role carries it (ALTER ROLE ... SET jit = off; docs/operations.md, PgBouncer).
#
# No parallel query either: a search's capped count gathered from two workers on this 2-core
# box read more rows than the LIMIT needed (the workers overshoot it) and took 60-80 ms where
# one backend took 40-50 (docs/benchmarks.md, "Broad search"), and every worker is a core taken
# from other requests. DATABASE_PARALLEL_QUERY=true gives the server's setting back.
_SESSION_OPTIONS = []
if not env_bool("DATABASE_JIT"):
    _SESSION_OPTIONS.append("-c jit=off")
if not env_bool("DATABASE_PARALLEL_QUERY"):
    _SESSION_OPTIONS.append("-c max_parallel_workers_per_gather=0")
if DATABASE_POOL_MODE == "direct" and _SESSION_OPTIONS:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(_SESSION_OPTIONS)
# No prepared statements (Django's default; OPTIONS sets no prepare_threshold): each statement is
# planned for its own parameters. Prepared, at 100,000 missions, PostgreSQL's plan cache moved 19
# of 34 search shapes to a generic plan after five uses, and 8 of them became 1.15 to 7 times
# slower (cause + skill's last page: 236 ms against 33); generic plans forced took up to 169
# times as long (no filter: 602 ms against 3.6). `bench/search.py --planning`, docs/benchmarks.md.
# Older secret keys, still accepted for signatures while DJANGO_SECRET_KEY is being rotated
# (sessions, password reset links, signed URLs); comma-separated, newest first.
SECRET_KEY_FALLBACKS: list[bytes | str] = list(env_list("DJANGO_SECRET_KEY_FALLBACKS", ""))
# End of the deployment block ------------------------------------------------------------------

# --- Media on object storage (tenants/storage.py) ------------------------------------------------
# MEDIA_STORAGE=local (the default, `make run`): uploads on disk under MEDIA_ROOT/<schema>/ and the
# platform's files under MEDIA_ROOT/platform/, as above. MEDIA_STORAGE=s3: one private bucket of an
# S3-compatible store, keys `<schema>/<name>` (the tenant's schema) and `public/<name>` (the
# platform's: tenant branding). Nothing is public in the bucket: the app serves logos itself (or
# sends them to S3_PUBLIC_BASE_URL, a CDN in front of the bucket) and hands out exports through
# short-lived signed URLs after its own permission checks. The system checks tenants.E001/E002
# say what is missing or unreachable.
MEDIA_STORAGE = env("MEDIA_STORAGE", "local").strip().lower() or "local"
MEDIA_S3 = {
    "bucket_name": env("S3_BUCKET"),
    "endpoint_url": env("S3_ENDPOINT_URL") or None,  # empty: AWS
    "region_name": env("S3_REGION") or None,
    "addressing_style": env("S3_ADDRESSING_STYLE", "path") or "path",
    "access_key": env("S3_ACCESS_KEY_ID") or None,
    "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
    "querystring_expire": int(env("S3_SIGNED_URL_SECONDS", "3600") or "3600"),
}
# Optional: a CDN or custom domain serving the bucket's public objects (tenant branding and
# verified organizations' logos), e.g. https://media.entraide.example.
S3_PUBLIC_BASE_URL = env("S3_PUBLIC_BASE_URL").rstrip("/")
if MEDIA_STORAGE == "s3":
    STORAGES = {**STORAGES, "default": {"BACKEND": "tenants.storage.TenantS3Storage"}}
# --- end of media on object storage --------------------------------------------------------------
