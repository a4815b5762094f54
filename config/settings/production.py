"""Production: every secret from the environment, HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", "")  # noqa: F405
if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random string of 50+ characters")

BASE_URL_SCHEME = "https"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)  # noqa: F405
# Health probes come from inside the cluster over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000"))  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")  # noqa: F405
# Hashed file names (app.3f2a9c0b1d2e.css) from a manifest written by collectstatic in the image:
# WhiteNoise serves them with a year of immutable caching; a new release changes the names.
STORAGES = {
    **STORAGES,  # noqa: F405
    # whitenoise's CompressedManifestStaticFilesStorage, each file's URL worked out once.
    "staticfiles": {"BACKEND": "config.static_storage.StaticFilesStorage"},
}
# Only the hashed copies are written (the pages name nothing else), halving the static files.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

if SENTRY_DSN:  # noqa: F405
    from config.observability import sentry_init

    sentry_init(dsn=SENTRY_DSN)  # noqa: F405
