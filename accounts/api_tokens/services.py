"""Writes on API tokens: create (the secret is returned once), revoke, and the check the API's
authentication runs on every request (which notes when a token was last used)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import policy
from accounts.api_tokens.models import TOKEN_PREFIX, ApiToken
from accounts.errors import AccountsError
from accounts.errors import AccountsErrorCode as Code
from accounts.models import User
from tenants.audit.services import audit_record
from tenants.context import current_schema_name
from tenants.signing import stored_token, tenant_tag

logger = logging.getLogger(__name__)

TOKEN_KIND = "tenant_api_token"
# A token lives at most this long: an integration is reviewed at least once a year.
MAX_LIFETIME_DAYS = 365
# Tokens a tenant may have that still work (neither revoked nor expired).
MAX_ACTIVE_TOKENS = 50
# `last_used_at` is written at most this often per token (not on every request).
LAST_USED_PRECISION = timedelta(minutes=1)
# Longer than any token we mint (4 + 8 + 1 + 43 characters): refused before hashing.
MAX_TOKEN_LENGTH = 100
HINT_LENGTH = 4


@dataclass(frozen=True)
class CreatedApiToken:
    token: ApiToken
    # The whole token (`ent_<tag>_<secret>`), to show once; it is stored nowhere.
    secret: str


def token_hash(raw: str) -> str:
    """What is stored of a token: its SHA-256 (hex). The secret is 256 random bits, so a plain
    hash cannot be reversed by guessing."""
    return hashlib.sha256(raw.encode()).hexdigest()


def _zone() -> tzinfo:
    tenant = policy.current_tenant_or_none()
    if tenant is not None and tenant.timezone:
        return ZoneInfo(tenant.timezone)
    return timezone.get_current_timezone()


def api_token_expiry_bounds(*, now: datetime | None = None) -> tuple[date, date]:
    """The first and last day a new token may expire on (the tenant's calendar)."""
    today = timezone.localdate(now or timezone.now(), _zone())
    return today + timedelta(days=1), today + timedelta(days=MAX_LIFETIME_DAYS)


def api_token_expiry_moment(expires_on: date) -> datetime:
    """A token that expires on a day works through that day (midnight after it, tenant time)."""
    return datetime.combine(expires_on + timedelta(days=1), time.min, tzinfo=_zone())


def _require_admin(actor: User) -> None:
    if not actor.is_tenant_admin:
        raise AccountsError(_("Only tenant administrators."), code=Code.FORBIDDEN)


def _name_clean(name: str) -> str:
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise AccountsError(
            _("Give the token a name (what uses it)."), code=Code.INVALID, field="name"
        )
    max_length = ApiToken._meta.get_field("name").max_length or 80
    if len(cleaned) > max_length:
        raise AccountsError(
            _("At most %(count)d characters.") % {"count": max_length},
            code=Code.INVALID,
            field="name",
        )
    if not cleaned.isprintable():
        raise AccountsError(
            _("Use letters, digits and punctuation only."), code=Code.INVALID, field="name"
        )
    return cleaned


def api_token_create(
    *, actor: User, name: str, scope: str, expires_on: date, now: datetime | None = None
) -> CreatedApiToken:
    """A new token of the current tenant acting as `actor` (a tenant admin); audited.

    `expires_on` is the last day it works: from tomorrow to a year from today.
    """
    _require_admin(actor)
    now = now or timezone.now()
    cleaned_name = _name_clean(name)
    if scope not in ApiToken.Scope.values:
        raise AccountsError(_("Choose a scope."), code=Code.INVALID, field="scope")
    first, last = api_token_expiry_bounds(now=now)
    if not first <= expires_on <= last:
        raise AccountsError(
            _("Choose a day from %(first)s to %(last)s.")
            % {
                "first": date_format(first, "SHORT_DATE_FORMAT"),
                "last": date_format(last, "SHORT_DATE_FORMAT"),
            },
            code=Code.INVALID,
            field="expires_on",
        )
    secret = f"{TOKEN_PREFIX}{tenant_tag()}_{stored_token(TOKEN_KIND)}"
    with transaction.atomic():
        # One creation at a time per tenant, so that the limit below holds.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"{current_schema_name()}:api_token:create"],
            )
        active = ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=now).count()
        if active >= MAX_ACTIVE_TOKENS:
            raise AccountsError(
                _("This site already has %(count)d working tokens: revoke one first.")
                % {"count": MAX_ACTIVE_TOKENS},
                code=Code.TOKEN_LIMIT_REACHED,
            )
        token = ApiToken(
            name=cleaned_name,
            scope=scope,
            secret_hash=token_hash(secret),
            hint=secret[-HINT_LENGTH:],
            created_by=actor,
            created_at=now,
            expires_at=api_token_expiry_moment(expires_on),
        )
        token.full_clean()
        token.save()
        audit_record(
            actor=actor,
            action="api_token.created",
            target=token,
            data={
                "name": token.name,
                "scope": token.scope,
                "expires_at": token.expires_at.isoformat(),
            },
        )
    logger.info("api_token.created", extra={"token_id": token.pk, "scope": token.scope})
    return CreatedApiToken(token=token, secret=secret)


def api_token_revoke(*, actor: User, token: ApiToken, now: datetime | None = None) -> ApiToken:
    """Revoke a token at once (any tenant admin may); audited. Revoking it again changes
    nothing."""
    _require_admin(actor)
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = now or timezone.now()
            locked.revoked_by = actor
            locked.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(
                actor=actor,
                action="api_token.revoked",
                target=locked,
                data={"name": locked.name, "created_by": locked.created_by_id},
            )
            logger.info("api_token.revoked", extra={"token_id": locked.pk})
    token.revoked_at = locked.revoked_at
    token.revoked_by = locked.revoked_by
    return locked


def _refused(code: Code) -> AccountsError:
    messages = {
        Code.TOKEN_INVALID: _("Invalid token."),
        Code.TOKEN_EXPIRED: _("This token has expired."),
        Code.TOKEN_REVOKED: _("This token has been revoked."),
        Code.TOKEN_OWNER_NOT_ADMIN: _(
            "The person who created this token is no longer an active administrator."
        ),
        Code.TOKEN_READ_ONLY: _("This token is read-only."),
    }
    return AccountsError(messages[code], code=code)


def api_token_authenticate(*, raw: str, write: bool, now: datetime | None = None) -> ApiToken:
    """The token `raw` names in the current tenant, if it may be used now; AccountsError (its
    code says why) otherwise. `write`: the request changes something (not GET, HEAD, OPTIONS).

    The tag must be this tenant's before anything is looked up, and the lookup happens in this
    tenant's schema: a token of another tenant is refused even if its hash were found here.
    Notes the use (at most once a minute per token).
    """
    now = now or timezone.now()
    parts = raw.split("_", 2) if len(raw) <= MAX_TOKEN_LENGTH else []
    if (
        len(parts) != 3
        or f"{parts[0]}_" != TOKEN_PREFIX
        or parts[1] != tenant_tag()
        or not parts[2]
    ):
        raise _refused(Code.TOKEN_INVALID)
    token = (
        ApiToken.objects.select_related("created_by").filter(secret_hash=token_hash(raw)).first()
    )
    if token is None:
        raise _refused(Code.TOKEN_INVALID)
    if token.is_revoked:
        raise _refused(Code.TOKEN_REVOKED)
    if token.is_expired(now):
        raise _refused(Code.TOKEN_EXPIRED)
    if not token.created_by.is_tenant_admin:
        raise _refused(Code.TOKEN_OWNER_NOT_ADMIN)
    if write and not token.allows_writes:
        raise _refused(Code.TOKEN_READ_ONLY)
    _note_use(token, now=now)
    return token


def _note_use(token: ApiToken, *, now: datetime) -> None:
    stale = now - LAST_USED_PRECISION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
    ).update(last_used_at=now)
    token.last_used_at = now
