"""Developer machine: `make run`."""

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", True)  # noqa: F405

# Static files straight from the app folders (no collectstatic needed).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Sign-in (accounts): a development-only key for secrets at rest; loopback identity providers.
ENTRAIDE_SECRET_ENCRYPTION_KEYS = env_list(  # noqa: F405
    "ENTRAIDE_SECRET_ENCRYPTION_KEYS", "ZGV2LW9ubHkta2V5LWVudHJhaWRlLWxvY2FsLTAwMDA="
)
ACCOUNTS_SSO_ALLOW_PRIVATE_URLS = env_bool("ACCOUNTS_SSO_ALLOW_PRIVATE_URLS", True)  # noqa: F405

# Logs: a human format in a developer's terminal unless LOG_FORMAT=json.
LOGGING["handlers"]["console"]["formatter"] = (  # noqa: F405
    "json" if env("LOG_FORMAT", "text") == "json" else "text"  # noqa: F405
)

# Billing: the local fake Stripe (`python -m devtools.fake_stripe`, started by `make run`) unless
# the environment names a real account. Its price ids are the fake's (devtools/fake_stripe.py).
STRIPE_API_BASE = env("STRIPE_API_BASE", "http://127.0.0.1:12111")  # noqa: F405
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", "sk_test_entraide_local")  # noqa: F405
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", "whsec_entraide_local")  # noqa: F405
STRIPE_MAX_NETWORK_RETRIES = int(env("STRIPE_MAX_NETWORK_RETRIES", "0"))  # noqa: F405
STRIPE_PRICES = {  # noqa: F405
    key: value or f"price_test_{key.replace(':', '_')}"
    for key, value in STRIPE_PRICES.items()  # noqa: F405
}
