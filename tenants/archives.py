"""Archives: what an archived tenant leaves in TENANT_EXPORT_DIR, and reading it back.

An archive is three files with one stem, `<slug>-<UTC stamp>`:
- `.dump`: its schema (pg_dump, custom format; it names the schema it came from);
- `-media.tar.gz`: its uploaded files, when it had any;
- `.json`: the manifest — the public-schema rows the dump does not hold (the Tenant row with its
  branding, policies and billing plan, its domains), the branding files those rows name (logo,
  link-preview picture: kept with the platform's files, not the schema's, so not in the media
  archive; small, base64), the schema's name and the migrations it had, so that a restore knows
  whether this code can bring it up to date.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import JSONField

from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.models import Domain, Tenant
from tenants.storage import platform_folder_drop

MANIFEST_FORMAT = 1
# Not carried over: identity (the restore chooses the slug), lifecycle and bookkeeping.
_NOT_EXPORTED = {
    "id",
    "slug",
    "schema_name",
    "status",
    "suspended_at",
    "suspension_reason",
    "created_at",
    "updated_at",
}


# The Tenant's file fields, stored in the platform's branding folder (tenants.models).
BRANDING_FILE_FIELDS = ("logo", "social_image")


def _branding_files(tenant: Tenant) -> dict[str, dict[str, str]]:
    files: dict[str, dict[str, str]] = {}
    for name in BRANDING_FILE_FIELDS:
        field_file = getattr(tenant, name)
        if not field_file or not field_file.storage.exists(field_file.name):
            continue
        with field_file.storage.open(field_file.name, "rb") as handle:
            data = handle.read()
        files[name] = {
            "name": posixpath.basename(field_file.name),
            "data": base64.b64encode(data).decode("ascii"),
        }
    return files


def branding_files_drop(slug: str) -> None:
    """Delete a tenant's branding folder (once it is archived, or a failed restore's)."""
    platform_folder_drop(f"branding/{slug}")


def branding_files_restore(tenant: Tenant, manifest: Manifest) -> None:
    """Write the archive's branding files under the (possibly new) slug and point the restored
    Tenant at them; a field whose file the archive does not carry is emptied rather than left
    naming a file that is not there."""
    for name in BRANDING_FILE_FIELDS:
        field_file = getattr(tenant, name)
        carried = manifest.branding_files.get(name)
        if carried is None:
            if field_file and not field_file.storage.exists(field_file.name):
                setattr(tenant, name, "")
            continue
        file_name, content = carried
        setattr(tenant, name, "")
        getattr(tenant, name).save(file_name, ContentFile(content), save=False)
    tenant.save(update_fields=[*BRANDING_FILE_FIELDS, "updated_at"])


def manifest_path_for(export_path: Path) -> Path:
    return export_path.with_suffix(".json")


def _tenant_fields() -> list[Any]:
    return [f for f in Tenant._meta.concrete_fields if f.name not in _NOT_EXPORTED]


def manifest_build(tenant: Tenant) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for model_field in _tenant_fields():
        if isinstance(model_field, JSONField):
            fields[model_field.name] = model_field.value_from_object(tenant)
        else:
            value = model_field.value_from_object(tenant)
            fields[model_field.name] = (
                None if value is None else model_field.value_to_string(tenant)
            )
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT app, name FROM "{tenant.schema_name}".django_migrations ORDER BY id'  # noqa: S608
        )
        migrations = [[app, name] for app, name in cursor.fetchall()]
    return {
        "format": MANIFEST_FORMAT,
        "slug": tenant.slug,
        "schema_name": tenant.schema_name,
        "status": tenant.status,
        "tenant": fields,
        "domains": [
            {"domain": d.domain, "is_primary": d.is_primary, "is_verified": d.is_verified}
            for d in Domain.objects.filter(tenant=tenant).order_by("pk")
        ],
        "migrations": migrations,
        "branding_files": _branding_files(tenant),
    }


def manifest_write(tenant: Tenant, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest_build(tenant), ensure_ascii=False, indent=1))
    return path


@dataclass(frozen=True)
class Manifest:
    slug: str
    schema_name: str
    tenant: dict[str, Any]
    domains: list[dict[str, Any]]
    migrations: set[tuple[str, str]]
    # Field name -> (file name, content) of the branding files the archive carries.
    branding_files: dict[str, tuple[str, bytes]]

    def tenant_values(self) -> dict[str, Any]:
        """The Tenant fields as Python values (model fields parse their own strings)."""
        values: dict[str, Any] = {}
        for model_field in _tenant_fields():
            if model_field.name not in self.tenant:
                continue  # an older manifest: the field keeps its default
            raw = self.tenant[model_field.name]
            if isinstance(model_field, JSONField) or raw is None:
                values[model_field.name] = raw
            else:
                values[model_field.name] = model_field.to_python(raw)
        return values


def manifest_read(path: Path) -> Manifest:
    """The manifest, checked; ARCHIVE_INVALID when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text())
        if data.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"unknown manifest format {data.get('format')!r}")
        manifest = Manifest(
            slug=str(data["slug"]),
            schema_name=str(data["schema_name"]),
            tenant=dict(data["tenant"]),
            domains=list(data["domains"]),
            migrations={(str(app), str(name)) for app, name in data["migrations"]},
            branding_files={
                str(field): (
                    posixpath.basename(str(entry["name"])),
                    base64.b64decode(str(entry["data"]), validate=True),
                )
                for field, entry in dict(data.get("branding_files") or {}).items()
                if field in BRANDING_FILE_FIELDS
            },
        )
        manifest.tenant_values()
    except FileNotFoundError:
        raise ProvisioningError(
            f"The archive's manifest {path.name} is missing.",
            code=TenantErrorCode.ARCHIVE_INVALID,
            field="archive",
        ) from None
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as error:
        raise ProvisioningError(
            f"The archive's manifest {path.name} is unreadable: {error}"[:400],
            code=TenantErrorCode.ARCHIVE_INVALID,
            field="archive",
        ) from None
    return manifest
