"""Where uploaded files live, and the operations on a whole tenant's files.

Two backends, chosen by the MEDIA_STORAGE setting (config/settings/base.py):

- `local` (default): django-tenants' TenantFileSystemStorage, MEDIA_ROOT/<schema>/<name>, and the
  platform's files (tenant branding) under MEDIA_ROOT/platform/<name>.
- `s3`: one private bucket of an S3-compatible store. Keys are `<schema>/<name>` for the current
  schema's files and `public/<name>` for the platform's: the same relative names as on disk, so
  moving from disk to the bucket is a copy (manage.py media_to_s3).

What is public and what is private does not depend on the bucket (nothing in it is readable
without a signature): logos and link-preview pictures are served by the app's own views (or
redirected to S3_PUBLIC_BASE_URL, a CDN that may read `public/branding/` and
`*/organizations/`), with long caching; exports are handed out through short-lived signed URLs
after the app's permission checks (`signed_download_url`), never a plain URL.

A stored file that is gone (deleted object, stale name) or a store that cannot be reached reads
as `StoredFileMissing` (an OSError, like a missing file on disk), so callers answer 404 rather
than 500.
"""

from __future__ import annotations

import logging
import os
import posixpath
import shutil
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.core.signals import setting_changed
from django.db.models.fields.files import FieldFile
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name
from storages.backends.s3 import S3Storage

from tenants.db import connection

logger = logging.getLogger(__name__)

LOCAL = "local"
S3 = "s3"
# The platform's files (public schema): MEDIA_ROOT/platform/ on disk, `public/` in the bucket.
PLATFORM_FOLDER = "platform"
PLATFORM_PREFIX = "public"
# Names (relative to the schema) of the files anyone may see once the app shows them: cached for
# a year by browsers and a CDN (their names carry a random part, so a new file is a new name).
PUBLIC_NAME_PREFIXES = ("branding/", "organizations/")
PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
PRIVATE_CACHE_CONTROL = "private, no-store"


class StoredFileMissing(OSError):
    """A stored file that cannot be read: gone, or its store unreachable."""


class StorageUnavailable(OSError):
    """A file that cannot be stored: the store refuses or does not answer."""


# Shown next to the upload field when the store refused a file (services catch StorageUnavailable).
STORAGE_UNAVAILABLE_MESSAGE = _("The file could not be stored just now; please try again later.")


def media_storage_kind() -> str:
    return S3 if getattr(settings, "MEDIA_STORAGE", LOCAL) == S3 else LOCAL


def is_s3() -> bool:
    return media_storage_kind() == S3


def s3_options() -> dict[str, Any]:
    """django-storages options from the MEDIA_S3 setting (the S3_* environment variables)."""
    options = dict(getattr(settings, "MEDIA_S3", {}) or {})
    return {key: value for key, value in options.items() if value not in (None, "")}


class _S3MediaStorage(S3Storage):
    """Our bucket: every object private, Cache-Control set by kind, never overwritten."""

    default_acl = None
    file_overwrite = False
    # SigV4: what AWS and the other stores accept for signed URLs.
    signature_version = "s3v4"

    def __init__(self, **overrides: Any) -> None:
        super().__init__(**{**s3_options(), **overrides})

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        parameters: dict[str, Any] = super().get_object_parameters(name)
        # Writes pass the whole key (<schema>/<name>), reads the name.
        relative = name.split("/", 1)[1] if name.startswith(f"{self.location}/") else name
        public = relative.startswith(PUBLIC_NAME_PREFIXES)
        cache_control = PUBLIC_CACHE_CONTROL if public else PRIVATE_CACHE_CONTROL
        parameters.setdefault("CacheControl", cache_control)
        return parameters

    def _open(self, name: str, mode: str = "rb") -> Any:
        try:
            return super()._open(name, mode)
        except FileNotFoundError as error:
            raise StoredFileMissing(str(error)) from None
        except (ClientError, BotoCoreError) as error:
            logger.warning("storage.s3_unreadable", extra={"error": error.__class__.__name__})
            raise StoredFileMissing(f"The object store did not answer: {error}") from None

    def _save(self, name: str, content: Any) -> str:
        try:
            saved: str = super()._save(name, content)
        except (ClientError, BotoCoreError) as error:
            logger.error("storage.s3_unwritable", extra={"error": error.__class__.__name__})
            raise StorageUnavailable(f"The object store refused the file: {error}") from None
        return saved

    def delete(self, name: str) -> None:
        try:
            super().delete(name)
        except (ClientError, BotoCoreError) as error:
            logger.error("storage.s3_unwritable", extra={"error": error.__class__.__name__})
            raise StorageUnavailable(f"The object store did not delete {name}: {error}") from None

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        try:
            available: str = super().get_available_name(name, max_length)
        except (ClientError, BotoCoreError) as error:  # the HEAD that looks for a free name
            logger.error("storage.s3_unwritable", extra={"error": error.__class__.__name__})
            raise StorageUnavailable(f"The object store did not answer: {error}") from None
        return available

    def key_for(self, name: str) -> str:
        return str(self._normalize_name(name))


class TenantS3Storage(_S3MediaStorage):
    """The default storage with MEDIA_STORAGE=s3: keys under the current schema's name."""

    @property
    def location(self) -> str:
        schema = connection.schema_name or get_public_schema_name()
        return PLATFORM_PREFIX if schema == get_public_schema_name() else schema


class PlatformS3Storage(_S3MediaStorage):
    """The platform's files (public schema) in the bucket: keys under `public/`."""

    location = PLATFORM_PREFIX


class PrefixS3Storage(_S3MediaStorage):
    """One fixed prefix of the bucket (a tenant's, whatever the current schema)."""

    def __init__(self, *, prefix: str, **overrides: Any) -> None:
        self._prefix = prefix
        super().__init__(**overrides)

    @property
    def location(self) -> str:
        return self._prefix


class PlatformStorage(LazyObject):
    """The storage of the platform's files (tenant branding), following the settings (tests
    switch MEDIA_STORAGE and MEDIA_ROOT)."""

    def _setup(self) -> None:
        wrapped: Storage
        if is_s3():
            wrapped = PlatformS3Storage()
        else:
            wrapped = FileSystemStorage(location=Path(settings.MEDIA_ROOT) / PLATFORM_FOLDER)
        self._wrapped = wrapped


_platform_storage = PlatformStorage()
platform_storage = cast(Storage, _platform_storage)


def _reset_on_settings_change(*, setting: str, **kwargs: Any) -> None:
    if setting in {"MEDIA_STORAGE", "MEDIA_S3", "MEDIA_ROOT", "STORAGES"}:
        _platform_storage._wrapped = empty  # type: ignore[assignment] # set up again when read


setting_changed.connect(_reset_on_settings_change)


# --- one file ------------------------------------------------------------------------------------


def stored_file_read(field_file: FieldFile) -> bytes:
    """The whole content of a stored file; StoredFileMissing when there is none to read."""
    if not field_file:
        raise StoredFileMissing("No file.")
    try:
        with field_file.open("rb") as handle:
            data: bytes = handle.read()
    except StoredFileMissing:
        raise
    except (ClientError, BotoCoreError) as error:  # while downloading, after a good HEAD
        logger.warning("storage.s3_unreadable", extra={"error": error.__class__.__name__})
        raise StoredFileMissing(str(error)) from None
    except OSError as error:  # gone, unreadable, or a directory where the file should be
        raise StoredFileMissing(str(error)) from None
    return data


def _s3_storage_of(field_file: FieldFile) -> _S3MediaStorage | None:
    storage = _unwrapped(field_file.storage)
    return storage if isinstance(storage, _S3MediaStorage) else None


def public_url(field_file: FieldFile) -> str | None:
    """The CDN address of a public file (S3_PUBLIC_BASE_URL), or None: the app serves it."""
    base = getattr(settings, "S3_PUBLIC_BASE_URL", "")
    storage = _s3_storage_of(field_file) if field_file else None
    if not base or storage is None:
        return None
    return f"{base}/{storage.key_for(str(field_file.name))}"


def signed_download_url(
    field_file: FieldFile, *, filename: str, content_type: str, max_seconds: float | None = None
) -> str | None:
    """A short-lived signed URL that downloads a private object as an attachment, or None on
    local disk (the app streams the file). The caller has checked who may have it. Raises
    StoredFileMissing when the object is not there."""
    storage = _s3_storage_of(field_file)
    if storage is None:
        return None
    seconds = int(s3_options().get("querystring_expire", 3600))
    if max_seconds is not None:
        seconds = max(1, min(seconds, int(max_seconds)))
    try:
        if not storage.exists(field_file.name):
            raise StoredFileMissing(field_file.name)
        url: str = storage.url(
            field_file.name,
            parameters={
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": content_type,
                "ResponseCacheControl": PRIVATE_CACHE_CONTROL,
            },
            expire=seconds,
        )
    except (ClientError, BotoCoreError) as error:
        logger.warning("storage.s3_unreadable", extra={"error": error.__class__.__name__})
        raise StoredFileMissing(str(error)) from None
    return url


# --- a whole tenant's files (usage, archive, drop, restore) --------------------------------------


def _schema_dir(schema_name: str) -> Path:
    """Where django-tenants' TenantFileSystemStorage keeps the schema's uploads."""
    relative = getattr(settings, "MULTITENANT_RELATIVE_MEDIA_ROOT", "%s") % schema_name
    return Path(settings.MEDIA_ROOT) / relative


def _bucket_objects(prefix: str) -> Iterator[Any]:
    storage = PlatformS3Storage()
    yield from storage.bucket.objects.filter(Prefix=prefix)


def _tenant_prefix(schema_name: str) -> str:
    # The slash matters: t_paris/ is not t_paris_bis/.
    return f"{schema_name}/"


def tenant_media_bytes(schema_name: str) -> int:
    """The size of the schema's uploaded files."""
    if is_s3():
        return sum(int(item.size) for item in _bucket_objects(_tenant_prefix(schema_name)))
    total = 0
    for root, _dirs, files in os.walk(_schema_dir(schema_name)):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:
                continue
    return total


def tenant_media_export(schema_name: str, base: Path) -> Path | None:
    """The schema's uploaded files as `base`.tar.gz (names relative to the schema), or None
    when it has none. From the bucket, objects are streamed into the archive one at a time."""
    if not is_s3():
        directory = _schema_dir(schema_name)
        if not directory.is_dir() or not any(directory.iterdir()):
            return None
        return Path(shutil.make_archive(str(base), "gztar", root_dir=directory))
    prefix = _tenant_prefix(schema_name)
    archive = Path(f"{base}.tar.gz")
    archive.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    storage = PlatformS3Storage()
    client = storage.connection.meta.client
    try:
        with tarfile.open(archive, "w:gz") as bundle:
            for item in storage.bucket.objects.filter(Prefix=prefix):
                name = item.key[len(prefix) :]
                if not name or name.endswith("/"):
                    continue
                body = client.get_object(Bucket=storage.bucket_name, Key=item.key)["Body"]
                info = tarfile.TarInfo(name)
                info.size = int(item.size)
                info.mtime = int(item.last_modified.timestamp())
                bundle.addfile(info, body)
                count += 1
    except BaseException:
        archive.unlink(missing_ok=True)
        raise
    if not count:
        archive.unlink()
        return None
    return archive


def tenant_media_restore(schema_name: str, archive: Path) -> None:
    """Put the files of a media archive (tenant_media_export) back under the schema."""
    if not is_s3():
        directory = _schema_dir(schema_name)
        directory.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "r:gz") as bundle:
            bundle.extractall(directory, filter="data")
        return
    storage = PrefixS3Storage(prefix=schema_name)
    with tarfile.open(archive, "r:gz") as bundle:
        for member in bundle:
            if not member.isfile():
                continue
            # The same refusals as extractall(filter="data"): nothing outside the schema.
            tarfile.data_filter(member, "/restore")
            name = posixpath.normpath(member.name)
            source = bundle.extractfile(member)
            if source is None:
                continue
            key = storage.key_for(name)
            parameters = storage._get_write_parameters(key)
            storage.bucket.Object(key).upload_fileobj(source, ExtraArgs=parameters)


def tenant_media_drop(schema_name: str) -> None:
    """Delete every file of the schema."""
    if is_s3():
        prefix_delete(_tenant_prefix(schema_name))
        return
    shutil.rmtree(_schema_dir(schema_name), ignore_errors=True)


def prefix_delete(prefix: str) -> int:
    """Delete every object whose key starts with `prefix` (which ends with a slash)."""
    if not prefix.endswith("/") or prefix == "/":
        raise ValueError(f"Refusing to delete objects under {prefix!r}.")
    storage = PlatformS3Storage()
    deleted = 0
    for response in storage.bucket.objects.filter(Prefix=prefix).delete():
        deleted += len(response.get("Deleted", []))
    return deleted


def platform_folder_drop(folder: str) -> None:
    """Delete a folder of the platform's files (a tenant's branding, once archived)."""
    if is_s3():
        prefix_delete(f"{PLATFORM_PREFIX}/{folder.strip('/')}/")
        return
    storage = FileSystemStorage(location=Path(settings.MEDIA_ROOT) / PLATFORM_FOLDER)
    if not storage.exists(folder):
        return
    _dirs, files = storage.listdir(folder)
    for name in files:
        storage.delete(f"{folder}/{name}")
    try:
        Path(storage.path(folder)).rmdir()
    except OSError:  # something else was put there: left alone
        pass


# --- archives (tenants/archives.py) -------------------------------------------------------------
# pg_dump writes, and pg_restore reads, a local file in TENANT_EXPORT_DIR. With the bucket, an
# archive's files are uploaded to `public/archives/<file name>` before the tenant is dropped and
# their local copies deleted afterwards; a restore fetches them back into TENANT_EXPORT_DIR (any
# worker can: the folder need not outlive the pod) and deletes them when done. The archive keeps
# its name (DeprovisionJob.export_path) either way.

ARCHIVE_FOLDER = "archives"


def _archive_key(path: Path) -> str:
    return f"{PLATFORM_PREFIX}/{ARCHIVE_FOLDER}/{path.name}"


def archive_files_store(paths: Iterable[Path]) -> None:
    """With the bucket: upload an archive's files (multipart, streamed from disk). Raises
    ClientError/BotoCoreError/OSError when one cannot be stored."""
    if not is_s3():
        return
    storage = PlatformS3Storage()
    for path in paths:
        storage.bucket.upload_file(
            str(path),
            _archive_key(path),
            ExtraArgs={
                "ContentType": "application/octet-stream",
                "CacheControl": PRIVATE_CACHE_CONTROL,
            },
            Config=storage.transfer_config,
        )


def archive_files_forget_local(paths: Iterable[Path]) -> None:
    """With the bucket: delete the local copies of an archive's files (they are in the bucket)."""
    if not is_s3():
        return
    for path in paths:
        path.unlink(missing_ok=True)


def archive_file_exists(path: Path) -> bool:
    if path.is_file():
        return True
    if not is_s3():
        return False
    return bool(PlatformS3Storage().exists(f"{ARCHIVE_FOLDER}/{path.name}"))


def archive_file_fetch(path: Path) -> bool:
    """Make sure the archive's file is at `path` (fetched from the bucket when it is not);
    False when it is nowhere."""
    if path.is_file():
        return True
    if not is_s3() or not archive_file_exists(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    storage = PlatformS3Storage()
    try:
        storage.bucket.download_file(
            _archive_key(path), str(partial), Config=storage.transfer_config
        )
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return True


# --- the bucket, checked -------------------------------------------------------------------------


def bucket_check() -> str | None:
    """None when the bucket answers; else what is wrong, in words (within seconds: a store
    that does not answer is not waited for with the client's default minute and retries)."""
    storage = PlatformS3Storage(
        client_config=Config(
            s3={"addressing_style": s3_options().get("addressing_style", "path")},
            signature_version="s3v4",
            connect_timeout=5,
            read_timeout=10,
            retries={"max_attempts": 2, "mode": "standard"},
        )
    )
    try:
        storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in {"404", "NoSuchBucket"}:
            return f"the bucket {storage.bucket_name!r} does not exist"
        if code in {"403", "AccessDenied"}:
            return f"access to the bucket {storage.bucket_name!r} is denied (check the keys)"
        return f"the bucket {storage.bucket_name!r} answered {code or error}"
    except BotoCoreError as error:
        return f"the object store cannot be reached: {error}"
    return None


def _unwrapped(storage: Storage) -> Storage:
    if isinstance(storage, LazyObject):
        storage.exists  # noqa: B018 - a LazyObject sets itself up on its first attribute read
        wrapped: Storage = storage._wrapped  # type: ignore[attr-defined]
        return wrapped
    return storage


# --- moving local media to the bucket ------------------------------------------------------------


def local_media_to_bucket(*, media_root: Path, dry_run: bool = False) -> tuple[int, int, int]:
    """Copy the files under `media_root` (the local layout) to the bucket (MEDIA_S3): the
    platform's folder to `public/`, each schema's folder to `<schema>/`, same relative names,
    so the database's file names stay right. An object already there with the same size is
    left alone, so it can be run again (before and after the switch). Returns (copied,
    skipped, bytes copied)."""
    storage = PlatformS3Storage()
    client = storage.connection.meta.client
    copied = skipped = size = 0
    for path in sorted(media_root.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(media_root).as_posix()
        top, _, rest = relative.partition("/")
        if not rest:
            continue  # a file at the root belongs to no schema
        key = f"{PLATFORM_PREFIX if top == PLATFORM_FOLDER else top}/{rest}"
        length = path.stat().st_size
        try:
            existing = client.head_object(Bucket=storage.bucket_name, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchKey"}:
                raise
            existing = None
        if existing is not None and int(existing["ContentLength"]) == length:
            skipped += 1
            continue
        if not dry_run:
            with path.open("rb") as source:
                storage.bucket.Object(key).upload_fileobj(
                    source, ExtraArgs=storage._get_write_parameters(key)
                )
        copied += 1
        size += length
    return copied, skipped, size
