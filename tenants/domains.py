"""Custom domains a tenant admin adds (`benevolat.example-city.fr`): the rules, and the writes.

A domain is added unverified, with a random token; it routes (Domain.is_verified, read by
tenants/routing.py) only once the DNS shows a CNAME to the platform and the token in a TXT record
(tenants/dns.py). "Verify now" checks at once; `custom_domains_check_due` (a periodic task) checks
pending domains again, waiting twice as long after each failure, for CUSTOM_DOMAIN_CHECK_DAYS. A
domain that routes can become the tenant's main address (Tenant.canonical_host: the origin of
every link sent out), and any custom domain can be removed.

Refused, with the reason on the `domain` field: malformed names (IDNA: unicode is accepted and
stored as punycode), the platform's own names, a name another tenant uses (a claim left
unverified past its checking period lapses), and more domains than the plan allows. How many a
plan allows is billing's to say, and billing sits above this package: it registers a function at
start-up (`register_custom_domain_allowance`, billing/apps.py).

Every change is audited in the tenant's schema ("domain.added", "domain.verified",
"domain.removed", "domain.made_primary"). The routing cache follows Domain rows by itself
(tenants/routing.py), so a verified or removed domain routes, or stops routing, on every process
at the next request.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import idna
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenants.audit.services import audit_record
from tenants.context import current_schema_name, tenant_context
from tenants.dns import DnsCheck, domain_dns_check
from tenants.models import Domain, Tenant, is_platform_host
from tenants.selectors import custom_domains_of

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | AnonymousUser | None
# How many custom domains a tenant may have: 0 = none (not in its plan), None = no limit.
CustomDomainAllowance = Callable[[Tenant], int | None]

FIELD = "domain"
_ASCII_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_MAX_LABEL = 63
_MAX_NAME = 253

_allowance: CustomDomainAllowance | None = None


class CustomDomainNotAllowed(PermissionDenied):
    """The tenant's plan includes no custom domain (a 403 for views)."""


def register_custom_domain_allowance(allowance: CustomDomainAllowance) -> None:
    """Set the function saying how many custom domains a tenant may have (billing does, in its
    AppConfig.ready())."""
    global _allowance
    _allowance = allowance


def custom_domain_allowance(tenant: Tenant) -> int | None:
    """How many custom domains `tenant` may have: 0 = none, None = no limit."""
    if _allowance is None:
        raise ImproperlyConfigured("No custom domain allowance registered (billing registers it).")
    return _allowance(tenant)


# --- names ------------------------------------------------------------------------------------


def _invalid(message: str) -> ValidationError:
    return ValidationError({FIELD: [message]})


def custom_domain_name_clean(raw: str) -> str:
    """The name as stored: lower case, ASCII (punycode for internationalized names), no final
    dot. Raises ValidationError on the `domain` field, saying what is wrong."""
    name = (raw or "").strip()
    if not name:
        raise _invalid(_("Enter a domain name."))
    if "://" in name or "/" in name:
        raise _invalid(_("Enter the domain name only, without http:// or a path."))
    if name.endswith("."):
        name = name[:-1]  # the fully qualified form, "example.org.", is the same name
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        raise _invalid(_("An IP address is not a domain name."))
    if ":" in name:
        raise _invalid(_("Enter the domain name without a port."))
    if "_" in name:
        raise _invalid(_("A domain name cannot contain an underscore (_)."))
    if "*" in name:
        raise _invalid(_("Enter one domain name, not a wildcard."))
    labels = name.split(".")
    if len(labels) < 2:
        raise _invalid(_("Enter a full domain name, such as benevolat.example-city.fr."))
    if any(not label for label in labels):
        raise _invalid(_("A domain name cannot contain two dots in a row or end with one."))
    ascii_labels = []
    for label in labels:
        try:
            encoded = idna.encode(label, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            if "too long" in str(error).lower():
                raise _invalid(_label_too_long()) from None
            raise _invalid(
                _("“%(label)s” is not a valid part of a domain name.") % {"label": label}
            ) from None
        if len(encoded) > _MAX_LABEL:
            raise _invalid(_label_too_long())
        if not _ASCII_LABEL.match(encoded):
            raise _invalid(
                _("“%(label)s” is not a valid part of a domain name.") % {"label": label}
            )
        ascii_labels.append(encoded)
    if ascii_labels[-1].isdigit():
        raise _invalid(_("The name must end with a top-level domain, such as .fr or .org."))
    ascii_name = ".".join(ascii_labels)
    if len(ascii_name) > _MAX_NAME:
        raise _invalid(
            _("A domain name has at most %(count)d characters (this one has %(length)d).")
            % {"count": _MAX_NAME, "length": len(ascii_name)}
        )
    return ascii_name


def _label_too_long() -> str:
    return _("Each part of a domain name (between dots) has at most %(count)d characters.") % {
        "count": _MAX_LABEL
    }


def custom_domain_display(name: str) -> str:
    """The name as people write it (unicode for punycode labels)."""
    try:
        return idna.decode(name)
    except idna.IDNAError:
        return name


def _refuse_platform_names(name: str) -> None:
    target = settings.PLATFORM_CNAME_TARGET.lower().rstrip(".")
    if is_platform_host(name) or name == target or name.endswith("." + target):
        raise _invalid(
            _("%(name)s belongs to the platform: enter a domain of your own.")
            % {"name": custom_domain_display(name)}
        )


# --- writes -----------------------------------------------------------------------------------


def _audit(tenant: Tenant, *, actor: Actor, action: str, domain: Domain) -> None:
    """The audit row goes to the tenant's schema, whichever schema the caller runs in."""
    data = {"domain": domain.domain}
    if current_schema_name() == tenant.schema_name:
        audit_record(actor=actor, action=action, target=domain, data=data)
        return
    with tenant_context(tenant):
        audit_record(actor=actor, action=action, target=domain, data=data)


def _checks_period_end(now: datetime) -> datetime:
    return now + timedelta(days=settings.CUSTOM_DOMAIN_CHECK_DAYS)


def _claim_has_lapsed(domain: Domain, now: datetime) -> bool:
    """An unverified claim whose checking period is over no longer holds the name."""
    return not domain.is_verified and domain.checks_until is not None and domain.checks_until < now


def custom_domain_add(*, tenant: Tenant, name: str, actor: Actor) -> Domain:
    """Add `name` to the tenant, unverified, with a new token; the DNS records to create are
    `tenants.dns.challenge_name(domain)` (TXT) and the domain itself (CNAME)."""
    allowance = custom_domain_allowance(tenant)
    if allowance == 0:
        raise CustomDomainNotAllowed
    host = custom_domain_name_clean(name)
    _refuse_platform_names(host)
    now = timezone.now()
    try:
        with transaction.atomic():
            # Adds of one tenant queue here, so two at once cannot both pass the count below.
            Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
            existing = Domain.objects.select_for_update().filter(domain=host).first()
            if existing is not None:
                if existing.tenant_id == tenant.pk:
                    raise _invalid(_("This domain is already in your list."))
                if not _claim_has_lapsed(existing, now):
                    raise _invalid(_("This domain is used by another site of the platform."))
                _lapsed_claim_remove(existing)
            count = custom_domains_of(tenant=tenant).count()
            if allowance is not None and count >= allowance:
                raise _invalid(
                    ngettext(
                        "Your plan includes %(count)d custom domain: remove it before adding "
                        "another.",
                        "Your plan includes %(count)d custom domains: remove one before adding "
                        "another.",
                        allowance,
                    )
                    % {"count": allowance}
                )
            domain = Domain(
                domain=host,
                tenant=tenant,
                is_primary=False,
                is_verified=False,
                verification_token=secrets.token_hex(16),
                next_check_at=now + timedelta(seconds=settings.CUSTOM_DOMAIN_CHECK_SECONDS),
                checks_until=_checks_period_end(now),
            )
            domain.full_clean(validate_unique=False)  # the row lock above checked the name
            domain.save()
            _audit(tenant, actor=actor, action="domain.added", domain=domain)
    except IntegrityError:  # the same name added elsewhere at the same moment
        raise _invalid(_("This domain is used by another site of the platform.")) from None
    logger.info("custom_domain.added", extra={"tenant": tenant.slug, "domain": host})
    return domain


def _lapsed_claim_remove(domain: Domain) -> None:
    tenant = Tenant.objects.get(pk=domain.tenant_id)
    _audit(tenant, actor=None, action="domain.removed", domain=domain)
    logger.info(
        "custom_domain.claim_lapsed", extra={"tenant": tenant.slug, "domain": domain.domain}
    )
    domain.delete()


def custom_domain_verify(*, domain: Domain, actor: Actor) -> Domain:
    """Check the domain's DNS records now ("Verify now"); it routes if both are right.

    The look-ups run outside any transaction (no lock is held while the DNS answers); the result
    is then written under the row's lock. A failed check starts a new period of automatic checks.
    Raises Domain.DoesNotExist if the domain was removed meanwhile.
    """
    if domain.is_verified:
        return domain
    if custom_domain_allowance(domain.tenant) == 0:
        raise CustomDomainNotAllowed
    if not domain.verification_token:  # set up by platform staff without one
        domain.verification_token = secrets.token_hex(16)
        Domain.objects.filter(pk=domain.pk, verification_token="").update(
            verification_token=domain.verification_token
        )
    check = _dns_check(domain)
    return _check_record(domain_id=domain.pk, check=check, actor=actor, manual=True)


def _dns_check(domain: Domain) -> DnsCheck:
    return domain_dns_check(
        domain=domain.domain,
        token=domain.verification_token,
        target=settings.PLATFORM_CNAME_TARGET,
    )


def _retry_delay(failed_checks: int) -> timedelta:
    """10 minutes, 20, 40… up to CUSTOM_DOMAIN_CHECK_MAX_SECONDS (with the default settings)."""
    exponent = min(max(failed_checks - 1, 0), 20)
    seconds = settings.CUSTOM_DOMAIN_CHECK_SECONDS * 2**exponent
    return timedelta(seconds=min(seconds, settings.CUSTOM_DOMAIN_CHECK_MAX_SECONDS))


def _check_record(
    *,
    domain_id: int,
    check: DnsCheck,
    actor: Actor,
    manual: bool,
    now: datetime | None = None,
) -> Domain:
    now = now or timezone.now()
    with transaction.atomic():
        domain = Domain.objects.select_for_update().select_related("tenant").get(pk=domain_id)
        if domain.is_verified:  # verified meanwhile (the periodic task and a click)
            return domain
        domain.last_checked_at = now
        if check.is_ok:
            domain.is_verified = True
            domain.verified_at = now
            domain.last_check_problems = []
            domain.failed_checks = 0
            domain.next_check_at = None
            domain.save()  # routing follows (tenants/routing.py listens to Domain saves)
            _audit(domain.tenant, actor=actor, action="domain.verified", domain=domain)
            logger.info(
                "custom_domain.verified",
                extra={"tenant": domain.tenant.slug, "domain": domain.domain, "manual": manual},
            )
            return domain
        domain.last_check_problems = [problem.as_dict() for problem in check.problems]
        if manual:
            domain.failed_checks = 1
            domain.checks_until = _checks_period_end(now)
        else:
            domain.failed_checks += 1
        next_check = now + _retry_delay(domain.failed_checks)
        period_end = domain.checks_until
        domain.next_check_at = next_check if period_end and next_check <= period_end else None
        domain.save()
    return domain


def custom_domain_remove(*, domain: Domain, actor: Actor) -> None:
    """Remove a custom domain: it stops routing at once. When it was the main address, the
    platform's subdomain becomes the main address again."""
    tenant = domain.tenant
    with transaction.atomic():
        locked = custom_domains_of(tenant=tenant).select_for_update().filter(pk=domain.pk).first()
        if locked is None:  # removed meanwhile
            return
        was_primary = locked.is_primary
        _audit(tenant, actor=actor, action="domain.removed", domain=locked)
        locked.delete()
        if was_primary:
            _subdomain_make_primary(tenant)
    logger.info("custom_domain.removed", extra={"tenant": tenant.slug, "domain": domain.domain})


def custom_domain_make_primary(*, domain: Domain, actor: Actor) -> Domain:
    """Make a verified custom domain the tenant's main address (links in e-mails use it)."""
    with transaction.atomic():
        locked = custom_domains_of(tenant=domain.tenant).select_for_update().get(pk=domain.pk)
        if not locked.is_verified:
            raise _invalid(_("Only a verified domain can become the main address."))
        if locked.is_primary:
            return locked
        locked.is_primary = True
        locked.save()  # DomainMixin.save takes the mark off the tenant's other domains
        _audit(domain.tenant, actor=actor, action="domain.made_primary", domain=locked)
    return locked


def tenant_subdomain_make_primary(*, tenant: Tenant, actor: Actor) -> None:
    """The platform's subdomain (`<slug>.BASE_DOMAIN`) becomes the main address again."""
    with transaction.atomic():
        subdomain = _subdomain_make_primary(tenant)
        if subdomain is not None:
            _audit(tenant, actor=actor, action="domain.made_primary", domain=subdomain)


def _subdomain_make_primary(tenant: Tenant) -> Domain | None:
    subdomain = (
        Domain.objects.select_for_update()
        .filter(tenant_id=tenant.pk, domain=tenant.primary_host)
        .first()
    )
    if subdomain is None:  # without its row, canonical_host falls back to the subdomain anyway
        # (An update: DomainMixin.save would keep one of them primary.)
        Domain.objects.filter(tenant_id=tenant.pk, is_primary=True).update(is_primary=False)
        return None
    if not subdomain.is_primary:
        subdomain.is_primary = True
        subdomain.save()
    return subdomain


# --- the periodic check -----------------------------------------------------------------------


def custom_domains_check_due(*, now: datetime | None = None) -> int:
    """Check the pending domains whose turn has come (at most CUSTOM_DOMAIN_CHECK_BATCH); returns
    how many were checked. Runs in the public schema (tenants/tasks.py); safe to run twice at
    once: each run first claims its domains, skipping those another run holds."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Domain.objects.select_for_update(skip_locked=True)
            .filter(is_verified=False, next_check_at__lte=now)
            .order_by("next_check_at", "pk")
            .values_list("pk", flat=True)[: settings.CUSTOM_DOMAIN_CHECK_BATCH]
        )
        # Claimed: a run starting before these are checked does not pick them again.
        Domain.objects.filter(pk__in=due).update(
            next_check_at=now + timedelta(seconds=settings.CUSTOM_DOMAIN_CHECK_SECONDS)
        )
    checked = 0
    for domain_id in due:
        domain = (
            Domain.objects.select_related("tenant").filter(pk=domain_id, is_verified=False).first()
        )
        if domain is None:
            continue
        if not domain.tenant.is_active or custom_domain_allowance(domain.tenant) == 0:
            # Offline, or no longer in the plan: no automatic checks ("Verify now" restarts them).
            Domain.objects.filter(pk=domain_id).update(next_check_at=None)
            continue
        try:
            _check_record(
                domain_id=domain_id, check=_dns_check(domain), actor=None, manual=False, now=now
            )
        except Domain.DoesNotExist:  # removed while its DNS was asked
            continue
        checked += 1
    if due:
        logger.info("custom_domain.checked", extra={"due": len(due), "checked": checked})
    return checked
