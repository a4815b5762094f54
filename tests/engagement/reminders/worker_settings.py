"""Settings of the worker process the reminders' worker test starts: the test settings, with
e-mail sent over SMTP to the test's loopback server and no quiet hours (the test runs at any
hour of the day)."""

import os

from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ["ENTRAIDE_TEST_SMTP_HOST"]
EMAIL_PORT = int(os.environ["ENTRAIDE_TEST_SMTP_PORT"])
EMAIL_USE_TLS = EMAIL_USE_SSL = False
REMINDERS_QUIET_HOURS_START = REMINDERS_QUIET_HOURS_END = 0
