"""System checks of the accounts app."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def secret_encryption_keys_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Deployments must encrypt identity-provider secrets and TOTP seeds with their own key."""
    keys = list(getattr(settings, "ENTRAIDE_SECRET_ENCRYPTION_KEYS", []) or [])
    if not keys:
        return [
            Error(
                "ENTRAIDE_SECRET_ENCRYPTION_KEYS is not set.",
                hint="Set it to one or more comma-separated Fernet keys "
                "(Fernet.generate_key()); the first one encrypts.",
                id="accounts.E001",
            )
        ]
    errors = []
    for index, key in enumerate(keys):
        try:
            Fernet(key.encode())
        except ValueError:
            errors.append(
                Error(
                    f"ENTRAIDE_SECRET_ENCRYPTION_KEYS item {index + 1} is not a Fernet key.",
                    id="accounts.E002",
                )
            )
    return errors
