"""The test suite: real PostgreSQL/PostGIS and Redis, eager Celery, fast hashing."""

import os

from .base import *  # noqa: F403

DEBUG = False
BASE_DOMAIN = "entraide.test"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = "entraide-test"

# Parallel runs on one machine each get their own database, cache prefix and template schema name.
_run = os.environ.get("ENTRAIDE_TEST_RUN", "")
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": "test_entraide" + (f"_{_run}" if _run else ""),
}
CACHES["default"]["KEY_PREFIX"] = f"test{_run}:{os.getpid()}"  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = str(BASE_DIR / "var" / f"test-media{_run}")  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Static files straight from the app folders (no collectstatic needed).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
