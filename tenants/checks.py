"""System checks of the tenants app: the media storage settings (tenants/storage.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from tenants.storage import LOCAL, S3, bucket_check, s3_options

S3_TAG = "media_storage"


@register(Tags.compatibility)
def media_storage_settings_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """MEDIA_STORAGE names a backend, and with s3 the bucket and both keys (or neither: the
    instance's role) are set."""
    kind = getattr(settings, "MEDIA_STORAGE", LOCAL)
    if kind not in {LOCAL, S3}:
        return [
            Error(
                f"MEDIA_STORAGE is {kind!r}.",
                hint="Set it to 'local' (files under MEDIA_ROOT) or 's3' (an S3 bucket).",
                id="tenants.E001",
            )
        ]
    if kind != S3:
        return []
    errors = []
    options = s3_options()
    if not options.get("bucket_name"):
        errors.append(
            Error(
                "MEDIA_STORAGE is 's3' but S3_BUCKET is not set.",
                hint="Set S3_BUCKET (and S3_ENDPOINT_URL for a store other than AWS).",
                id="tenants.E002",
            )
        )
    if bool(options.get("access_key")) != bool(options.get("secret_key")):
        errors.append(
            Error(
                "Only one of S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY is set.",
                hint="Set both, or neither to use the instance's role.",
                id="tenants.E002",
            )
        )
    if options.get("addressing_style") not in {"path", "virtual"}:
        errors.append(
            Error(
                f"S3_ADDRESSING_STYLE is {options.get('addressing_style')!r}.",
                hint="Set it to 'path' or 'virtual'.",
                id="tenants.E002",
            )
        )
    return errors


@register(S3_TAG, deploy=True)
def media_bucket_reachable_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """With MEDIA_STORAGE=s3, the bucket exists and the keys may use it (`check --deploy`:
    this one talks to the object store)."""
    if getattr(settings, "MEDIA_STORAGE", LOCAL) != S3 or not s3_options().get("bucket_name"):
        return []
    problem = bucket_check()
    if problem is None:
        return []
    return [
        Error(
            f"The media bucket cannot be used: {problem}.",
            hint="Create the bucket (private) or correct S3_BUCKET, S3_ENDPOINT_URL and the keys.",
            id="tenants.E003",
        )
    ]
