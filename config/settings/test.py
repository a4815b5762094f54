"""The test suite: real PostgreSQL/PostGIS and Redis, eager Celery, fast hashing."""

import os
import secrets

from .base import *  # noqa: F403

DEBUG = False
BASE_DOMAIN = "entraide.test"
ALLOWED_HOSTS = [BASE_DOMAIN, "." + BASE_DOMAIN]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = "entraide-test"

# Parallel runs on one machine each get their own database, cache prefix and template schema name.
_run = os.environ.get("ENTRAIDE_TEST_RUN", "")
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": "test_entraide" + (f"_{_run}" if _run else ""),
}
# Per process, and never reused by a later one: a test session can leave keys behind (the
# routing generation has no expiry), and a later run whose worker got the same process id read
# them as its own (cached routes of another run's database).
CACHES["default"]["KEY_PREFIX"] = f"test{_run}:{os.getpid()}-{secrets.token_hex(4)}"  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Per run and per pytest-xdist worker: the workers' databases are apart, their files must be too
# (a test that unpacks or removes a tenant's folder would otherwise race its twin on the other
# worker). A Celery worker started by a test inherits the variable, so it shares its test's files.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
MEDIA_ROOT = str(BASE_DIR / "var" / f"test-media{_run}{_xdist_worker}")  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Static files straight from the app folders (no collectstatic needed).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Billing: Stripe is a local fake (devtools/fake_stripe.py); this address refuses
# connections, so nothing ever reaches the real Stripe. Tests that talk to Stripe override it.
STRIPE_SECRET_KEY = "sk_test_entraide"
STRIPE_WEBHOOK_SECRET = "whsec_test_entraide"
STRIPE_API_BASE = "http://127.0.0.1:9"
STRIPE_MAX_NETWORK_RETRIES = 0
STRIPE_TIMEOUT_SECONDS = 5
STRIPE_PRICES = {
    f"{plan}:{interval}": f"price_test_{plan}_{interval}"
    for plan in ("city_essential", "city_premium", "company_standard", "company_enterprise")
    for interval in ("month", "year")
}

# Custom domains: DNS look-ups go to loopback only. Nothing listens on this port, so a test that
# checks a domain without the DNS server fixture (tests/dns_server.py) times out within a second.
DNS_RESOLVER_NAMESERVERS = ["127.0.0.1"]
DNS_RESOLVER_PORT = 9
DNS_CHECK_TIMEOUT_SECONDS = 1.0
PLATFORM_CNAME_TARGET = f"ingress.{BASE_DOMAIN}"


# Sign-in (accounts) ------------------------------------------------------------------------------
# A fixed test-only key (never used elsewhere). Identity providers are loopback servers.
ENTRAIDE_SECRET_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWtleS1lbnRyYWlkZS0wMDAwMDAwMDA="]
ACCOUNTS_SSO_ALLOW_PRIVATE_URLS = True


def _free_loopback_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# allauth reads Facebook's Graph and dialog URLs when it imports the provider: the fake Graph
# server (tests/accounts/idp/facebook.py) listens on this port for the whole run.
FACEBOOK_FAKE_PORT = int(os.environ.get("ENTRAIDE_FACEBOOK_FAKE_PORT") or _free_loopback_port())
SOCIALACCOUNT_PROVIDERS["facebook"]["GRAPH_API_URL"] = (  # noqa: F405
    f"http://127.0.0.1:{FACEBOOK_FAKE_PORT}/v19.0"
)
SOCIALACCOUNT_PROVIDERS["facebook"]["AUTHORIZE_URL"] = (  # noqa: F405
    f"http://127.0.0.1:{FACEBOOK_FAKE_PORT}/v19.0/dialog/oauth"
)

# Places: the remote geocoders are loopback servers in tests (tests/engagement/places/); this
# address refuses connections, so nothing ever reaches the real services.
PLACES_BAN_URL = "http://127.0.0.1:9"
PLACES_NOMINATIM_URL = "http://127.0.0.1:9"
PLACES_CONTACT_EMAIL = "places@entraide.test"
PLACES_HTTP_TIMEOUT_SECONDS = 0.5
