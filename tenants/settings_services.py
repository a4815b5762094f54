"""Changes tenant admins make to their instance (the back office's settings pages): branding,
welcome text, map, languages, moderation, access (private instance), footer links.

Every function here:
- refuses anyone but a tenant admin of the tenant (PermissionDenied);
- checks every value before writing anything: a refusal is a ValidationError naming the fields,
  and the Tenant row (and its files) are left exactly as they were;
- locks the Tenant row, writes only the fields that changed, and records one audit event in the
  tenant's trail, `settings.<part>_changed` with the names of the changed fields (never a file's
  contents);
- refreshes the caller's Tenant instance (the request's) with what was written.

Every process sees a change on its next request: the save's post_save signal starts a new routing
generation at once and again when the transaction commits (tenants/routing.py), so each process's
copy of the Tenant, and the branding computed from it per request (tenants/branding.py), is
dropped. Nothing else caches the Tenant.

Causes and skills are engagement's vocabulary, changed through engagement.taxonomy.services.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from tenants.audit.services import audit_record
from tenants.branding import HEX_PATTERN, brand_contrast_checks
from tenants.images import ImageRejected, picture_reencoded
from tenants.models import MAP_ZOOM_MAX, MAP_ZOOM_MIN, Tenant
from tenants.sanitizing import clean_html, clean_text
from tenants.storage import STORAGE_UNAVAILABLE_MESSAGE, StorageUnavailable

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 120
TAGLINE_MAX_LENGTH = 200
WELCOME_TEXT_MAX_LENGTH = 5000
# Raw input is refused beyond this many characters, before parsing (markup can be verbose).
RAW_INPUT_FACTOR = 3

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_SIZE = 512
# Link previews (Open Graph) show pictures of 1200 × 630; below 200 pixels they show none.
SOCIAL_IMAGE_MAX_BYTES = 5 * 1024 * 1024
SOCIAL_IMAGE_SIZE = 1200
SOCIAL_IMAGE_MIN_SIZE = 200

FOOTER_LINKS_MAX = 8
FOOTER_LABEL_MAX_LENGTH = 60
FOOTER_URL_MAX_LENGTH = 300


class Keep(Enum):
    """For a picture: leave it as it is (None removes it, bytes replace it)."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP
PictureChange = bytes | None | Literal[Keep.KEEP]


@dataclass(frozen=True)
class FooterLink:
    label: str
    url: str


# --- checks (also used by the forms, to put a message next to its field) -----------------------


def footer_link_url_error(url: str) -> str | None:
    """Why this footer link's address is refused, or None: an https:// address, or a path of
    this site starting with a single "/"."""
    if len(url) > FOOTER_URL_MAX_LENGTH:
        return _("At most %(max)d characters.") % {"max": FOOTER_URL_MAX_LENGTH}
    refused = _("Use an address starting with https:// or a path of this site starting with /.")
    if any(character.isspace() or ord(character) < 32 for character in url) or "\\" in url:
        return refused
    if url.startswith("/") and not url.startswith("//"):
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
        URLValidator(schemes=["https"])(url)
    except (ValueError, ValidationError):
        return refused
    return None if scheme == "https" else refused


def colour_errors(primary_color: str, accent_color: str) -> dict[str, list[str]]:
    """Field errors for two brand colours: not #rrggbb, or a pair the site draws under AA."""
    errors: dict[str, list[str]] = {}
    for field, value in (("primary_color", primary_color), ("accent_color", accent_color)):
        if not HEX_PATTERN.fullmatch(value or ""):
            errors[field] = [_("Use a colour like #1f6feb.")]
    if errors:
        return errors
    for check in brand_contrast_checks(primary_color, accent_color):
        if not check.passes:
            errors.setdefault(check.field, []).append(check.message)
    return errors


# --- the services -------------------------------------------------------------------------------


def tenant_branding_update(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser,
    name: str,
    tagline: str,
    primary_color: str,
    accent_color: str,
    logo: PictureChange = KEEP,
    social_image: PictureChange = KEEP,
) -> Tenant:
    """Name, tagline, the two brand colours (each pair the site draws with them at WCAG AA),
    the logo and the social image (uploaded bytes re-encoded by tenants.images, None removes)."""
    _require_tenant_admin(actor)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "name": _plain_text(name, "name", NAME_MAX_LENGTH, errors, required=True),
        "tagline": _plain_text(tagline, "tagline", TAGLINE_MAX_LENGTH, errors),
        "primary_color": (primary_color or "").strip().lower(),
        "accent_color": (accent_color or "").strip().lower(),
    }
    errors.update(colour_errors(values["primary_color"], values["accent_color"]))
    pictures = {
        "logo": _picture(logo, "logo", errors, max_bytes=LOGO_MAX_BYTES, max_side=LOGO_SIZE),
        "social_image": _picture(
            social_image,
            "social_image",
            errors,
            max_bytes=SOCIAL_IMAGE_MAX_BYTES,
            max_side=SOCIAL_IMAGE_SIZE,
            min_side=SOCIAL_IMAGE_MIN_SIZE,
            output_format="JPEG",
        ),
    }
    _raise(errors)
    return _apply(tenant, actor, "settings.branding_changed", values, pictures=pictures)


def tenant_welcome_text_update(
    *, tenant: Tenant, actor: AbstractBaseUser, welcome_text: str
) -> Tenant:
    """The text under the tagline on the home page: the safe HTML subset of tenants.sanitizing."""
    _require_tenant_admin(actor)
    raw = welcome_text or ""
    too_long = _("At most %(max)d characters.") % {"max": WELCOME_TEXT_MAX_LENGTH}
    if len(raw) > WELCOME_TEXT_MAX_LENGTH * RAW_INPUT_FACTOR:
        _raise({"welcome_text": [too_long]})
    cleaned = clean_html(raw)
    if len(cleaned) > WELCOME_TEXT_MAX_LENGTH:
        _raise({"welcome_text": [too_long]})
    return _apply(tenant, actor, "settings.welcome_text_changed", {"welcome_text": cleaned})


def tenant_map_update(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser,
    latitude: float,
    longitude: float,
    zoom: int,
    geocoder: str | None = None,
) -> Tenant:
    """Where the maps of the site open (a point on Earth and a zoom level) and, when given, the
    service that locates addresses (`Tenant.Geocoder`: offline, Base Adresse Nationale or
    Nominatim; engagement/places/)."""
    _require_tenant_admin(actor)
    errors: dict[str, list[str]] = {}
    if geocoder is not None and geocoder not in Tenant.Geocoder.values:
        errors["geocoder"] = [_("Choose among the services listed.")]
    if not _number_within(latitude, -90, 90):
        errors["latitude"] = [_("A latitude between -90 and 90.")]
    if not _number_within(longitude, -180, 180):
        errors["longitude"] = [_("A longitude between -180 and 180.")]
    if (
        isinstance(zoom, bool)
        or not isinstance(zoom, int)
        or not MAP_ZOOM_MIN <= zoom <= MAP_ZOOM_MAX
    ):
        errors["zoom"] = [
            _("A zoom level between %(min)d and %(max)d.")
            % {"min": MAP_ZOOM_MIN, "max": MAP_ZOOM_MAX}
        ]
    _raise(errors)
    centre = Point(round(float(longitude), 6), round(float(latitude), 6), srid=4326)
    values: dict[str, Any] = {"map_center": centre, "map_zoom": zoom}
    if geocoder is not None:
        values["geocoder"] = geocoder
    return _apply(tenant, actor, "settings.map_changed", values)


def tenant_languages_update(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser,
    languages: Sequence[str],
    default_language: str,
) -> Tenant:
    """The languages the switcher offers and the one visitors get by default (one of them)."""
    _require_tenant_admin(actor)
    known = list(Tenant.Language.values)
    chosen = {str(code).lower() for code in languages}
    errors: dict[str, list[str]] = {}
    if not chosen:
        errors["languages"] = [_("Offer at least one language.")]
    elif not chosen <= set(known):
        errors["languages"] = [_("Choose among the languages listed.")]
    if default_language not in known:
        errors["default_language"] = [_("Choose among the languages listed.")]
    elif chosen and default_language not in chosen:
        errors["default_language"] = [_("The default language must be one of those offered.")]
    _raise(errors)
    ordered = [default_language] + [
        code for code in known if code in chosen and code != default_language
    ]
    return _apply(
        tenant,
        actor,
        "settings.languages_changed",
        {"languages": ordered, "default_language": default_language},
    )


def tenant_moderation_update(
    *, tenant: Tenant, actor: AbstractBaseUser, missions: bool, organizations: bool
) -> Tenant:
    """Whether missions go through review before publication, and whether new organizations
    wait for verification. Switching one off changes what happens next: missions already in
    review and organizations already waiting stay in the moderation queue."""
    _require_tenant_admin(actor)
    values = {
        "moderation_enabled": bool(missions),
        "organization_moderation_enabled": bool(organizations),
    }
    return _apply(tenant, actor, "settings.moderation_changed", values, audit_values=True)


def tenant_access_update(
    *, tenant: Tenant, actor: AbstractBaseUser, is_private: bool, sso_auto_redirect: bool
) -> Tenant:
    """Who may see the instance: members only (private) or anyone; and whether the sign-in
    page sends people straight to the company's identity provider. Takes effect on every
    process's next request (the routing cache carries both, see the module docstring)."""
    _require_tenant_admin(actor)
    values = {"is_private": bool(is_private), "sso_auto_redirect": bool(sso_auto_redirect)}
    return _apply(tenant, actor, "settings.access_changed", values, audit_values=True)


def tenant_footer_links_update(
    *, tenant: Tenant, actor: AbstractBaseUser, links: Sequence[FooterLink]
) -> Tenant:
    """The extra links of every page's footer, in order: a label and an https:// address or a
    path of the site."""
    _require_tenant_admin(actor)
    problems: list[str] = []
    if len(links) > FOOTER_LINKS_MAX:
        problems.append(_("At most %(max)d links.") % {"max": FOOTER_LINKS_MAX})
    stored: list[dict[str, str]] = []
    for number, link in enumerate(links[:FOOTER_LINKS_MAX], start=1):
        row: dict[str, list[str]] = {}
        label = _plain_text(link.label, "label", FOOTER_LABEL_MAX_LENGTH, row, required=True)
        url = (link.url or "").strip()
        url_error = footer_link_url_error(url) if url else _("This field is required.")
        if url_error:
            row.setdefault("url", []).append(url_error)
        problems.extend(
            _("Link %(number)d: %(problem)s") % {"number": number, "problem": message}
            for messages in row.values()
            for message in messages
        )
        stored.append({"label": label, "url": url})
    if problems:
        _raise({"footer_links": problems})
    return _apply(tenant, actor, "settings.footer_links_changed", {"footer_links": stored})


# --- shared steps -------------------------------------------------------------------------------


def _require_tenant_admin(actor: AbstractBaseUser) -> None:
    # accounts (above this package) defines the roles; its User says `is_tenant_admin`.
    if not (getattr(actor, "is_authenticated", False) and getattr(actor, "is_tenant_admin", False)):
        raise PermissionDenied(_("Only the administrators of this site can change its settings."))


def _raise(errors: Mapping[str, list[str]]) -> None:
    if errors:
        raise ValidationError(dict(errors))


def _number_within(value: object, low: float, high: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and low <= value <= high


def _plain_text(
    value: str,
    field: str,
    max_length: int,
    errors: dict[str, list[str]],
    *,
    required: bool = False,
) -> str:
    raw = value or ""
    if len(raw) > max_length * RAW_INPUT_FACTOR:
        errors[field] = [_("At most %(max)d characters.") % {"max": max_length}]
        return ""
    text = clean_text(raw)
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > max_length:
        errors[field] = [_("At most %(max)d characters.") % {"max": max_length}]
    return text


def _picture(
    change: PictureChange,
    field: str,
    errors: dict[str, list[str]],
    *,
    max_bytes: int,
    max_side: int,
    min_side: int = 0,
    output_format: str = "PNG",
) -> PictureChange:
    """The re-encoded picture for bytes, or the change as it is (KEEP, None)."""
    if not isinstance(change, bytes):
        return change
    try:
        return picture_reencoded(
            change,
            max_bytes=max_bytes,
            max_side=max_side,
            min_side=min_side,
            output_format=output_format,
        )
    except ImageRejected as error:
        errors[field] = [str(error)]
        return KEEP


_EXTENSIONS = {"logo": "png", "social_image": "jpg"}


def _replace_picture(tenant: Tenant, field: str, content: bytes | None) -> None:
    """Point the (locked) tenant at a new file, or at none; the old file goes once the
    transaction commits (a rollback keeps it, and the new file is then an orphan)."""
    file: FieldFile = getattr(tenant, field)
    previous = file.name if file else ""
    if content is None:
        setattr(tenant, field, "")
    else:
        stem = field.replace("_", "-")
        file.save(
            f"{stem}-{secrets.token_hex(6)}.{_EXTENSIONS[field]}", ContentFile(content), save=False
        )
    if previous:
        storage = file.storage
        transaction.on_commit(lambda: storage.delete(previous))


def _apply(
    tenant: Tenant,
    actor: AbstractBaseUser,
    action: str,
    values: Mapping[str, Any],
    *,
    pictures: Mapping[str, PictureChange] | None = None,
    audit_values: bool = False,
) -> Tenant:
    """Write the values (and pictures) that differ from the locked row, audit, refresh."""
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, values[name])
        locked.full_clean(exclude=[f.name for f in Tenant._meta.fields if f.name not in changed])
        for name, change in (pictures or {}).items():
            if change is KEEP or (change is None and not getattr(locked, name)):
                continue
            try:
                _replace_picture(locked, name, change)
            except StorageUnavailable:
                raise ValidationError({name: [str(STORAGE_UNAVAILABLE_MESSAGE)]}) from None
            changed.append(name)
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            data: dict[str, Any] = {"fields": sorted(changed)}
            if audit_values:
                data["values"] = {name: values[name] for name in changed}
            audit_record(actor=actor, action=action, target=locked, data=data)
    for field in Tenant._meta.concrete_fields:
        value = getattr(locked, field.attname)
        setattr(tenant, field.attname, value.name if isinstance(value, FieldFile) else value)
    if changed:
        logger.info(action, extra={"tenant": locked.slug, "fields": sorted(changed)})
    return tenant
