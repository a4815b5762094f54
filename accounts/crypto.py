"""Secrets at rest: client secrets, private keys and TOTP seeds are stored encrypted.

The keys come from the environment (`ENTRAIDE_SECRET_ENCRYPTION_KEYS`: comma-separated Fernet
keys). The first key encrypts; every key decrypts, so a key is rotated by putting the new one
first, re-encrypting (`secret_rotate`), then removing the old one. Local and test settings carry a
fixed development key; production has none and refuses to start a secret operation without one.

A secret is never displayed back in full: `secret_mask` keeps the last four characters.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Values written by `secret_encrypt` start with this marker, so a plaintext value that slipped in
# (an old row, a manual edit) is recognised instead of being mistaken for ciphertext.
PREFIX = "fernet:"
MASK = "••••"


class SecretDecryptionError(Exception):
    """The value was not encrypted with any configured key (or was tampered with)."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "ENTRAIDE_SECRET_ENCRYPTION_KEYS is not set: secrets cannot be stored. Generate a key "
            'with `python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"`.'
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "ENTRAIDE_SECRET_ENCRYPTION_KEYS holds a value that is not a Fernet key."
        ) from error


def _configured() -> MultiFernet:
    return _fernet(tuple(getattr(settings, "ENTRAIDE_SECRET_ENCRYPTION_KEYS", ()) or ()))


def secret_encrypt(plaintext: str) -> str:
    """Encrypt with the first configured key; the result is ASCII, safe for JSON and text."""
    token = _configured().encrypt(plaintext.encode("utf-8"))
    return PREFIX + token.decode("ascii")


def secret_decrypt(value: str) -> str:
    """Decrypt a value written by `secret_encrypt` with any configured key."""
    if not is_encrypted(value):
        raise SecretDecryptionError("The value is not an encrypted secret.")
    try:
        return _configured().decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as error:
        raise SecretDecryptionError("No configured key decrypts this secret.") from error


def secret_rotate(value: str) -> str:
    """Re-encrypt with the current first key (after a key was added in front)."""
    if not is_encrypted(value):
        raise SecretDecryptionError("The value is not an encrypted secret.")
    try:
        token = _configured().rotate(value[len(PREFIX) :].encode("ascii"))
    except InvalidToken as error:
        raise SecretDecryptionError("No configured key decrypts this secret.") from error
    return PREFIX + token.decode("ascii")


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def secret_mask(plaintext: str) -> str:
    """'••••1234': enough to recognise a secret, never enough to use it."""
    if not plaintext:
        return ""
    visible = plaintext[-4:] if len(plaintext) >= 12 else ""
    return MASK + visible
