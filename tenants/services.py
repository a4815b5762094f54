"""Writes on tenants: provisioning, deprovisioning, domains."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_exists

from tenants import archives, provisioning, storage
from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.models import SLUG_PATTERN, DeprovisionJob, Domain, Tenant
from tenants.provisioning_steps import (
    ADMIN_SET_PASSWORD_PATH,
    ProvisioningInput,
    provisioning_steps,
)

logger = logging.getLogger(__name__)

_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")


@dataclass(frozen=True)
class ProvisionResult:
    tenant: Tenant
    admin_email: str
    set_password_url: str
    seconds: float
    template_rebuilt: bool


def _validate_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug or ""):
        raise ProvisioningError(
            f"Invalid slug {slug!r}: 3–40 lowercase letters, digits or hyphens, "
            "starting with a letter.",
            code=TenantErrorCode.SLUG_INVALID,
            field="slug",
        )
    if slug in settings.TENANT_RESERVED_SLUGS:
        raise ProvisioningError(
            f"The slug {slug!r} is reserved.", code=TenantErrorCode.SLUG_RESERVED, field="slug"
        )
    if Tenant.objects.filter(slug=slug).exists() or schema_exists(Tenant.schema_name_for(slug)):
        raise ProvisioningError(
            f"The slug {slug!r} is already taken.", code=TenantErrorCode.SLUG_TAKEN, field="slug"
        )


def slug_check_available(slug: str) -> None:
    """ProvisioningError (invalid, reserved or taken) unless a new tenant may take `slug`."""
    _validate_slug(slug)


def _validate_domain(domain: str, *, primary_host: str) -> str:
    host = domain.strip().lower().rstrip(".")
    if not _HOSTNAME.match(host):
        raise ProvisioningError(
            f"Invalid domain {domain!r}.", code=TenantErrorCode.DOMAIN_INVALID, field="domains"
        )
    if Domain.objects.filter(domain=host).exists():
        raise ProvisioningError(
            f"The domain {host!r} is already used.",
            code=TenantErrorCode.DOMAIN_TAKEN,
            field="domains",
        )
    base = settings.BASE_DOMAIN
    if host != primary_host and (host == base or host.endswith("." + base)):
        raise ProvisioningError(
            f"{host!r} belongs to the platform's own domain; only {primary_host!r} may.",
            code=TenantErrorCode.DOMAIN_INVALID,
            field="domains",
        )
    return host


def _validate_email(email: str) -> str:
    try:
        validate_email(email)
    except ValidationError:
        raise ProvisioningError(
            f"Invalid admin e-mail {email!r}.",
            code=TenantErrorCode.EMAIL_INVALID,
            field="admin_email",
        ) from None
    return email.strip().lower()


def tenant_provision(
    *,
    kind: str,
    name: str,
    slug: str,
    admin_email: str,
    domains: Sequence[str] = (),
    default_language: str = Tenant.Language.FR,
    languages: Sequence[str] = (),
    timezone_name: str = "Europe/Paris",
    country: str = "FR",
    primary_color: str | None = None,
    accent_color: str | None = None,
    tagline: str = "",
    map_center: tuple[float, float] | None = None,
    is_private: bool | None = None,
    rebuild_template: bool = True,
) -> ProvisionResult:
    """Create a tenant, its domains, its schema (a clone of the template), then run the steps
    the apps registered (tenants/provisioning_steps.py: its trial, default causes and skills,
    first admin) — all or nothing.

    `is_private` unset: a company's instance is private (its employees only), a city's public.
    """
    started = time.perf_counter()
    slug = (slug or "").strip().lower()
    _validate_slug(slug)
    primary_host = f"{slug}.{settings.BASE_DOMAIN}"
    hosts = [primary_host] + [_validate_domain(d, primary_host=primary_host) for d in domains]
    if len(set(hosts)) != len(hosts):
        raise ProvisioningError(
            "A domain is listed twice.", code=TenantErrorCode.DOMAIN_INVALID, field="domains"
        )
    admin_email = _validate_email(admin_email)

    # Read under the template's lock: a rebuild may be under way.
    template = provisioning.template_ensure(rebuild=rebuild_template)

    tenant = Tenant(
        kind=kind,
        name=name.strip(),
        slug=slug,
        schema_name=Tenant.schema_name_for(slug),
        default_language=default_language,
        languages=list(dict.fromkeys([default_language, *languages])),
        timezone=timezone_name,
        country=country.upper(),
        tagline=tagline,
        is_private=(kind == Tenant.Kind.COMPANY) if is_private is None else is_private,
    )
    if primary_color:
        tenant.primary_color = primary_color
    if accent_color:
        tenant.accent_color = accent_color
    if map_center:
        tenant.map_center = Point(map_center[1], map_center[0], srid=4326)
    try:
        tenant.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ProvisioningError(
            f"{field}: {' '.join(messages)}", code=TenantErrorCode.SLUG_INVALID, field=field
        ) from None

    try:
        with transaction.atomic():
            # First, before any row lock: a template rebuild in progress finishes before this
            # clones it, and none starts until this commits (tenants/provisioning.py).
            provisioning.template_lock_shared()
            tenant.save()
            for host in hosts:
                Domain.objects.create(
                    domain=host, tenant=tenant, is_primary=host == primary_host, is_verified=True
                )
            provisioning.schema_clone_from_template(tenant.schema_name)
            returned = provisioning_steps.run(
                tenant=tenant, provisioning_input=ProvisioningInput(admin_email=admin_email)
            )
            # Inside the transaction: without the admin's step, nothing is provisioned.
            set_password_path = returned[ADMIN_SET_PASSWORD_PATH]
    except IntegrityError as error:
        raise ProvisioningError(
            f"The slug or a domain was taken meanwhile ({error.__class__.__name__}).",
            code=TenantErrorCode.SLUG_TAKEN,
        ) from None

    seconds = time.perf_counter() - started
    logger.info("tenant.provisioned", extra={"tenant": slug, "seconds": round(seconds, 3)})
    return ProvisionResult(
        tenant=tenant,
        admin_email=admin_email,
        set_password_url=f"{tenant.base_url}{set_password_path}",
        seconds=seconds,
        template_rebuilt=template.rebuilt,
    )


@dataclass(frozen=True)
class DeprovisionResult:
    slug: str
    export_path: Path
    export_bytes: int
    # The tenant's uploaded files (MEDIA_ROOT/<schema>/) as a .tar.gz, when it had any.
    media_export_path: Path | None = None
    # Its public-schema rows (tenants/archives.py), what a restore rebuilds them from.
    manifest_path: Path | None = None


# Called with (step, percent) as deprovisioning goes (a DeprovisionJob.Step value).
Progress = Callable[[str, int], None]


def _no_progress(step: str, percent: int) -> None:
    return None


def tenant_deprovision(
    *, slug: str, export_dir: Path, progress: Progress = _no_progress
) -> DeprovisionResult:
    """Take the tenant offline, export its schema with pg_dump and its uploaded files
    (MEDIA_ROOT/<schema>/) as a .tar.gz, then drop schema, rows and files.

    If an export fails, the tenant stays (disabled) and nothing is dropped. Long (pg_dump):
    never call it from a web request; the platform API queues a DeprovisionJob instead
    (tenants/deprovisioning.py).
    """
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise ProvisioningError(
            f"No tenant with slug {slug!r}.", code=TenantErrorCode.TENANT_NOT_FOUND, field="slug"
        )
    progress(DeprovisionJob.Step.DISABLING, 5)
    tenant.status = Tenant.Status.DISABLED
    tenant.save(update_fields=["status", "updated_at"])

    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    export_path = Path(export_dir) / f"{tenant.slug}-{stamp}.dump"
    progress(DeprovisionJob.Step.EXPORTING_SCHEMA, 10)
    size = provisioning.schema_export(tenant.schema_name, export_path)
    progress(DeprovisionJob.Step.EXPORTING_FILES, 60)
    media_path = provisioning.media_export(
        tenant.schema_name, Path(export_dir) / f"{tenant.slug}-{stamp}-media"
    )
    manifest_path = archives.manifest_write(tenant, archives.manifest_path_for(export_path))
    archive_files = [export_path, manifest_path, *([media_path] if media_path else [])]
    try:
        # With MEDIA_STORAGE=s3 the archive goes to the bucket before anything is dropped.
        storage.archive_files_store(archive_files)
    except (OSError, ClientError, BotoCoreError) as error:
        raise ProvisioningError(
            f"The archive could not be stored: {error}"[:500], code=TenantErrorCode.EXPORT_FAILED
        ) from None

    progress(DeprovisionJob.Step.DROPPING, 80)
    with transaction.atomic():
        provisioning.schema_drop(tenant.schema_name)
        Tenant.objects.filter(pk=tenant.pk).delete()
    provisioning.media_drop(tenant.schema_name)
    # Its logo and link-preview picture are in the manifest now.
    archives.branding_files_drop(tenant.slug)
    storage.archive_files_forget_local(archive_files)
    progress(DeprovisionJob.Step.DONE, 100)
    logger.info("tenant.deprovisioned", extra={"tenant": slug, "export_bytes": size})
    return DeprovisionResult(
        slug=slug,
        export_path=export_path,
        export_bytes=size,
        media_export_path=media_path,
        manifest_path=manifest_path,
    )
