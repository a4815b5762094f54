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
