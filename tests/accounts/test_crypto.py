"""Secrets at rest: Fernet keys from the environment, rotation, masking, deploy check."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from accounts.checks import secret_encryption_keys_check
from accounts.crypto import (
    SecretDecryptionError,
    secret_decrypt,
    secret_encrypt,
    secret_mask,
    secret_rotate,
)

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def test_round_trip_and_no_two_ciphertexts_alike():
    first, second = secret_encrypt("client-secret-42"), secret_encrypt("client-secret-42")

    assert first.startswith("fernet:")
    assert first != second
    assert "client-secret-42" not in first
    assert secret_decrypt(first) == secret_decrypt(second) == "client-secret-42"


def test_key_rotation_reads_old_values_and_rewrites_them_with_the_new_key():
    with override_settings(ENTRAIDE_SECRET_ENCRYPTION_KEYS=[OLD]):
        stored = secret_encrypt("client-secret-42")
    with override_settings(ENTRAIDE_SECRET_ENCRYPTION_KEYS=[NEW, OLD]):
        assert secret_decrypt(stored) == "client-secret-42"
        rotated = secret_rotate(stored)
    with override_settings(ENTRAIDE_SECRET_ENCRYPTION_KEYS=[NEW]):
        assert secret_decrypt(rotated) == "client-secret-42"
        with pytest.raises(SecretDecryptionError):
            secret_decrypt(stored)


def test_tampered_or_plain_values_are_refused():
    stored = secret_encrypt("client-secret-42")

    with pytest.raises(SecretDecryptionError):
        secret_decrypt(stored[:-4] + "AAAA")
    with pytest.raises(SecretDecryptionError):
        secret_decrypt("client-secret-42")


def test_no_key_means_no_secret_can_be_stored():
    with override_settings(ENTRAIDE_SECRET_ENCRYPTION_KEYS=[]), pytest.raises(ImproperlyConfigured):
        secret_encrypt("client-secret-42")


@pytest.mark.parametrize(
    ("plaintext", "masked"),
    [("fb-app-secret-4f1c9d0e7b2a", "••••7b2a"), ("short", "••••"), ("", "")],
)
def test_mask_shows_at_most_the_last_four_characters(plaintext, masked):
    assert secret_mask(plaintext) == masked


def test_deploy_check_requires_valid_keys():
    with override_settings(ENTRAIDE_SECRET_ENCRYPTION_KEYS=[]):
        assert [error.id for error in secret_encryption_keys_check(None)] == ["accounts.E001"]
    with override_settings(ENTRAIDE_SECRET_ENCRYPTION_KEYS=[NEW, "not-a-key"]):
        assert [error.id for error in secret_encryption_keys_check(None)] == ["accounts.E002"]
    with override_settings(ENTRAIDE_SECRET_ENCRYPTION_KEYS=[NEW]):
        assert secret_encryption_keys_check(None) == []
