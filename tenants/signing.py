"""Every token the product issues, bound to the tenant that issued it.

One SECRET_KEY signs for every tenant, so a value signed with Django's defaults in Montréal is
just as valid in Acme: an e-mail confirmation key (allauth signs the EmailAddress pk) minted in
one tenant confirmed the address with the same pk in another. Here every signature is salted
with a *scope* that names the tenant — its schema, its id and its creation time, so neither a
renamed slug nor a tenant re-provisioned under an old slug can replay an old token — or
`public` on the platform host. A token minted in one scope fails its signature in every other.

What belongs here: the REGISTRY of token kinds (each value the product hands out and later
trusts: what it is, how it is minted and checked, where), the scope, and the typed helpers that
sign with it (`tenant_dumps`/`tenant_loads`, `tenant_signer`, the password-reset generator, the
messages cookie storage, `stored_token` for random tokens kept in a tenant's schema). Signing
anything else — `django.core.signing`, `salted_hmac`, a token generator or a signed cookie
anywhere outside this module — is refused by tests/tenants/test_signing.py, and every kind here
gets a cross-tenant test from the same registry: a new kind joins REGISTRY and brings its case.

What does not belong here: the flows that use the tokens (accounts, engagement).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core import signing
from django.utils.functional import cached_property
from django_tenants.postgresql_backend.base import FakeTenant
from django_tenants.utils import get_public_schema_name

from tenants.context import current_schema_name
from tenants.db import connection
from tenants.models import Tenant

__all__ = [
    "PUBLIC_SCOPE",
    "REGISTRY",
    "InvalidToken",
    "Mechanism",
    "TenantCookieStorage",
    "TenantMessageStorage",
    "TenantPasswordResetTokenGenerator",
    "TokenExpired",
    "TokenKind",
    "UnknownTokenKind",
    "password_reset_token_generator",
    "stored_token",
    "tenant_dumps",
    "tenant_loads",
    "tenant_salt",
    "tenant_scope",
    "tenant_signer",
    "tenant_tag",
    "token_kind",
]

PUBLIC_SCOPE = "public"
SALT_PREFIX = "entraide.token"


class Mechanism(enum.StrEnum):
    # django.core.signing (TimestampSigner) with the tenant's salt: tenant_dumps/tenant_loads.
    SIGNED = "signed"
    # Django's PasswordResetTokenGenerator with the tenant's key_salt.
    PASSWORD_RESET = "password_reset"
    # A signed cookie (cookie signer with the tenant's salt).
    SIGNED_COOKIE = "signed_cookie"
    # A random value stored in the tenant's schema: looked up there only, so the schema is the
    # boundary (nothing to sign; minted by stored_token or by the library that owns the table).
    STORED = "stored"


@dataclass(frozen=True)
class TokenKind:
    name: str
    mechanism: Mechanism
    # What it is, where it is minted and where it is checked (docs/security.md reads this).
    minted_by: str
    checked_by: str
    # Seconds a signed value stays valid; read from settings when asked, None for no limit.
    max_age: Callable[[], int | None] | None = None


def _email_confirmation_max_age() -> int:
    return 24 * 3600 * int(getattr(settings, "ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", 3))


def _password_reset_max_age() -> int:
    return int(settings.PASSWORD_RESET_TIMEOUT)


def _export_download_max_age() -> int:
    return int(settings.BACKOFFICE_EXPORT_LINK_SECONDS)


def _reminder_answer_max_age() -> int:
    return int(settings.REMINDERS_LINK_SECONDS)


def _work_time_decision_max_age() -> int:
    return int(getattr(settings, "WORKTIME_DECISION_LINK_SECONDS", 14 * 24 * 3600))


def _signup_email_max_age() -> int:
    return int(settings.SIGNUP_EMAIL_LINK_SECONDS)


def _signup_handoff_max_age() -> int:
    return int(settings.SIGNUP_HANDOFF_SECONDS)


REGISTRY: Mapping[str, TokenKind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            TokenKind(
                name="email_confirmation",
                mechanism=Mechanism.SIGNED,
                minted_by="accounts.adapters.AccountAdapter.send_confirmation_mail and "
                "accounts.invitations.user_invitation_email_send "
                "(accounts.email_confirmation.TenantEmailConfirmationHMAC.key)",
                checked_by="/accounts/confirm-email/<key>/ (accounts.views.ConfirmEmailView)",
                max_age=_email_confirmation_max_age,
            ),
            TokenKind(
                name="password_reset",
                mechanism=Mechanism.PASSWORD_RESET,
                minted_by="allauth's reset flow (ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR) and "
                "accounts.services.user_set_password_path (first admin's set-password link, "
                "and the invitation e-mail of accounts.invitations)",
                checked_by="/accounts/password/reset/key/<uidb36>-<key>/ (allauth)",
                max_age=_password_reset_max_age,
            ),
            TokenKind(
                name="messages_cookie",
                mechanism=Mechanism.SIGNED_COOKIE,
                minted_by="django.contrib.messages (MESSAGE_STORAGE = TenantMessageStorage)",
                checked_by="MessageMiddleware on the next page of the same host",
            ),
            TokenKind(
                name="invitation",
                mechanism=Mechanism.STORED,
                minted_by="engagement.models.OrganizationInvitation.token (stored_token)",
                checked_by="/organization/invitation/<token>/ and /api/v1/invitations/accept/ "
                "(engagement.organizations.services.invitation_accept)",
            ),
            TokenKind(
                name="friend_invitation",
                mechanism=Mechanism.STORED,
                minted_by="engagement.friends.models.FriendInvitation.token (stored_token): the "
                "link, QR code and e-mail of engagement.friends.services.friend_invitation_create",
                checked_by="/amis/invitation/<token>/ and /api/v1/me/friends/invitations/accept/ "
                "(engagement.friends.services.friend_invitation_accept)",
            ),
            TokenKind(
                name="session",
                mechanism=Mechanism.STORED,
                minted_by="django.contrib.sessions (database backend, the schema's "
                "django_session table, read by tenants.sessions)",
                checked_by="SessionMiddleware on every request",
            ),
            TokenKind(
                name="api_token",
                mechanism=Mechanism.STORED,
                minted_by="rest_framework.authtoken (the schema's authtoken_token table)",
                checked_by="TokenAuthentication on /api/v1/ (tenants) and /api/platform/v1/ "
                "(public)",
            ),
            TokenKind(
                name="export_download",
                mechanism=Mechanism.SIGNED,
                minted_by="engagement.backoffice.services_exports.export_download_token (the "
                "download link on a finished export's page, {job, user})",
                checked_by="/gestion/exports/telechargement/<token>/ (engagement.backoffice."
                "views_exports.export_download, for the admin who asked for the export)",
                max_age=_export_download_max_age,
            ),
            TokenKind(
                name="reminder_answer",
                mechanism=Mechanism.SIGNED,
                minted_by="engagement.reminders.services.reminder_answer_token (the links of the "
                "reminder e-mails: {reminder, action} with action yes, cancel or hours)",
                checked_by="/rappels/<token>/ (engagement.reminders.views.reminder_answer: a page "
                "that asks to confirm, the change made on its POST; no sign-in needed)",
                max_age=_reminder_answer_max_age,
            ),
            TokenKind(
                name="tenant_api_token",
                mechanism=Mechanism.STORED,
                minted_by="accounts.api_tokens.services.api_token_create (the back office's "
                "integrations page): `ent_<tenant_tag>_<stored_token>`, only its SHA-256 kept in "
                "the schema's api_tokens_apitoken table",
                checked_by="accounts.authentication.ApiTokenAuthentication (`Authorization: "
                "Bearer …`) on /api/v1/ and /accounts/api/: looked up in the schema, and its "
                "tag must name the tenant that answers",
            ),
            TokenKind(
                name="directory_token",
                mechanism=Mechanism.STORED,
                minted_by="engagement.directory.services.directory_token_create (the back "
                "office's company directory page): `scim_<tenant_tag>_<random>`, only its SHA-256 "
                "kept in the schema's engagement_directorytoken table; one works at a time",
                checked_by="engagement.directory.scim_views.ScimView (`Authorization: Bearer …` "
                "on /scim/v2/ of a company tenant): its tag must name the tenant that answers, "
                "then it is looked up in the schema, not revoked",
            ),
            TokenKind(
                name="calendar_feed",
                mechanism=Mechanism.STORED,
                minted_by="engagement.calendars.services.calendar_feed_create (a person's "
                "participations, or an organization's dates for its admins and editors): "
                "stored_token, only its SHA-256 kept in the schema's engagement_calendarfeed table",
                checked_by="/agenda/<token>.ics (engagement.calendars.views.calendar_feed): "
                "looked up in the schema, working (not revoked) and its owner still allowed",
            ),
            TokenKind(
                name="saved_search_unsubscribe",
                mechanism=Mechanism.STORED,
                minted_by="engagement.alerts.models.SavedSearch.unsubscribe_token (stored_token), "
                "in the List-Unsubscribe header and the footer of a saved search's alerts",
                checked_by="/alertes/desabonnement/<token>/ (engagement.alerts.views."
                "saved_search_unsubscribe: GET confirms, a cookie-less POST unsubscribes)",
            ),
            TokenKind(
                name="certificate",
                mechanism=Mechanism.STORED,
                minted_by="engagement.reports.services.certificate_issue (stored_token, kept in "
                "the schema's engagement_certificate table; printed as the QR code and address "
                "of the volunteer's certificate)",
                checked_by="/certificats/<token>/ (engagement.reports.views.certificate_verify, "
                "public): looked up in the schema, shows what the certificate states or that "
                "it was revoked",
            ),
            TokenKind(
                name="email_unsubscribe",
                mechanism=Mechanism.SIGNED,
                minted_by="engagement.emails.delivery.unsubscribe_token (the List-Unsubscribe "
                "header and footer link of every optional e-mail, {user, category})",
                checked_by="/e-mails/desabonnement/<token>/ (engagement.emails.views: GET "
                "confirms, POST turns the category off, RFC 8058 one-click)",
            ),
            TokenKind(
                name="work_time_decision",
                mechanism=Mechanism.SIGNED,
                minted_by="engagement.worktime.links.work_time_decision_token (the approve and "
                "refuse links of the e-mail to an employee's manager: {request, action})",
                checked_by="/temps-benevole/decision/<token>/ (engagement.worktime.views."
                "work_time_decision: signed in as the request's approver; GET asks to confirm, "
                "the POST decides once, a decided request is never decided again)",
                max_age=_work_time_decision_max_age,
            ),
            TokenKind(
                name="signup_email",
                mechanism=Mechanism.SIGNED,
                minted_by="signup.services.signup_create (the link of the e-mail that confirms "
                "a sign-up's address, {s: public id}, in the public scope)",
                checked_by="/signup/verify/<token>/ on the base domain (signup.views."
                "signup_verify: marks the e-mail confirmed, then on to the checkout)",
                max_age=_signup_email_max_age,
            ),
            TokenKind(
                name="signup_handoff",
                mechanism=Mechanism.SIGNED,
                minted_by="signup.services.signup_handoff_token (the progress page's link to the "
                "new instance, {s: public id, u: admin user, j: id}, in the new tenant's scope)",
                checked_by="/accounts/bienvenue/<token>/ on the tenant's host (signup."
                "views_tenant.signup_handoff: once, its id's hash stored on the sign-up; signs "
                "the admin in)",
                max_age=_signup_handoff_max_age,
            ),
        )
    }
)


class UnknownTokenKind(LookupError):
    """A token kind that is not in REGISTRY: register it (and its cross-tenant test) first."""


class InvalidToken(Exception):
    """Not a token of this kind minted in this tenant (forged, altered, another tenant's, or
    expired)."""


class TokenExpired(InvalidToken):
    """A token of this kind and tenant, signed correctly, but older than its max age (a page
    can then say "this link has expired" rather than "not found")."""


def token_kind(name: str, *, mechanism: Mechanism | None = None) -> TokenKind:
    try:
        kind = REGISTRY[name]
    except KeyError:
        raise UnknownTokenKind(f"Token kind {name!r} is not in tenants.signing.REGISTRY.") from None
    if mechanism is not None and kind.mechanism != mechanism:
        raise UnknownTokenKind(f"Token kind {name!r} is {kind.mechanism}, not {mechanism}.")
    return kind


def tenant_scope(tenant: Tenant | None = None) -> str:
    """`public`, or `<schema>:<id>:<created, epoch seconds>` for a tenant.

    The connection's tenant when none is given. The id and creation time make a tenant
    deleted and provisioned again under the same slug (and schema name) a different scope.
    """
    scoped: Tenant | FakeTenant
    if tenant is not None:
        scoped = tenant
    elif current_schema_name() == get_public_schema_name():
        return PUBLIC_SCOPE
    else:
        scoped = connection.tenant
    if scoped.schema_name == get_public_schema_name():
        return PUBLIC_SCOPE
    if not isinstance(scoped, Tenant) or scoped.pk is None or scoped.created_at is None:
        # schema_context() leaves a FakeTenant (a schema name only) on the connection.
        scoped = Tenant.objects.only("pk", "schema_name", "created_at").get(
            schema_name=scoped.schema_name
        )
    return f"{scoped.schema_name}:{scoped.pk}:{int(scoped.created_at.timestamp())}"


def tenant_salt(kind: str, tenant: Tenant | None = None) -> str:
    """The salt of a registered kind in a scope (the HMAC key is derived from it and SECRET_KEY,
    so SECRET_KEY_FALLBACKS rotation keeps working)."""
    token_kind(kind)
    return f"{SALT_PREFIX}:{kind}:{tenant_scope(tenant)}"


def tenant_signer(kind: str, tenant: Tenant | None = None) -> signing.TimestampSigner:
    """A timestamped signer for a SIGNED kind, bound to the tenant (or the public host)."""
    token_kind(kind, mechanism=Mechanism.SIGNED)
    return signing.TimestampSigner(
        salt=tenant_salt(kind, tenant), fallback_keys=settings.SECRET_KEY_FALLBACKS
    )


def tenant_dumps(kind: str, value: Any, *, tenant: Tenant | None = None) -> str:
    """A URL-safe, timestamped, signed JSON value of a SIGNED kind, bound to the tenant."""
    return tenant_signer(kind, tenant).sign_object(value, compress=True)


def tenant_loads(
    kind: str, token: str, *, tenant: Tenant | None = None, max_age: int | None = None
) -> Any:
    """The value of a token minted by tenant_dumps for this kind and tenant, or InvalidToken.

    max_age defaults to the kind's own (None: no expiry).
    """
    registered = token_kind(kind, mechanism=Mechanism.SIGNED)
    if max_age is None and registered.max_age is not None:
        max_age = registered.max_age()
    try:
        return tenant_signer(kind, tenant).unsign_object(str(token), max_age=max_age)
    except signing.SignatureExpired as error:
        raise TokenExpired(str(error)) from error
    except (signing.BadSignature, ValueError) as error:
        # BadSignature covers SignatureExpired; ValueError a payload that is not JSON.
        raise InvalidToken(str(error)) from error


def tenant_tag(tenant: Tenant | None = None) -> str:
    """A short public name of the tenant's scope (8 characters, lower-case base32), for tokens
    that carry their tenant in clear: a token showing another tag is refused before any lookup,
    and a leaked one tells which tenant issued it. Not a secret (it is derived from public
    facts); it binds like the scope does, so a tenant provisioned again gets another tag."""
    digest = hashlib.sha256(tenant_scope(tenant).encode()).digest()
    return base64.b32encode(digest[:5]).decode().lower()


def stored_token(kind: str) -> str:
    """A fresh random value for a STORED kind (256 bits, URL-safe, 43 characters)."""
    token_kind(kind, mechanism=Mechanism.STORED)
    return secrets.token_urlsafe(32)


class TenantPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    """Django's generator, its key_salt naming the current tenant.

    The hash covers the user's pk, password hash, last login and e-mail, which can be equal in
    two tenants (a copied user row, the same seed): only the salt separates them reliably.
    allauth instantiates it once (ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR), so the salt is read
    on each use, from the connection.
    """

    # Django declares key_salt a class attribute; a property reads the tenant on each use.
    @property
    def key_salt(self) -> str:  # type: ignore[override]
        token_kind("password_reset", mechanism=Mechanism.PASSWORD_RESET)
        return tenant_salt("password_reset")


password_reset_token_generator = TenantPasswordResetTokenGenerator()


class TenantCookieStorage(CookieStorage):
    """Messages kept in a cookie signed for this tenant (a cookie copied from another tenant's
    host is dropped like a tampered one).

    The signer is made when a cookie is read or written, not with the storage: every request
    builds a storage, few carry messages, and Django's CookieStorage.__init__ (which only makes
    its own signer, under Django's salt) is skipped for that reason. The tenant is the request's
    either way: messages are read and written inside the routing middleware.
    """

    def __init__(self, request: Any, *args: Any, **kwargs: Any) -> None:
        BaseStorage.__init__(self, request, *args, **kwargs)

    @cached_property
    def signer(self) -> signing.Signer:
        token_kind("messages_cookie", mechanism=Mechanism.SIGNED_COOKIE)
        return signing.get_cookie_signer(salt=tenant_salt("messages_cookie"))


class TenantMessageStorage(FallbackStorage):
    """Django's default storage (cookie, then session), with the tenant's cookie signer."""

    storage_classes = (TenantCookieStorage, SessionStorage)
