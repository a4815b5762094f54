"""Writes of the legal pages: publishing a version, the defaults a tenant starts with, and
accepting the terms of use.

Refusals are Django `ValidationError`s keyed by the field at fault (`body_fr`,
`conformance_rate`, …), the names the back-office form uses, so each shows next to its field.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.audit.services import audit_record
from tenants.legal.cache import accepted_terms_forget, latest_terms_forget
from tenants.legal.defaults import VersionContent, legal_default_content, text_languages_of
from tenants.legal.models import TEXT_LANGUAGES, LegalDocument, LegalVersion, TermsAcceptance
from tenants.models import Tenant
from tenants.provisioning_steps import ProvisioningInput
from tenants.sanitizing import clean_html

logger = logging.getLogger(__name__)

# Legal pages are long; beyond this a text is refused (before cleaning, three times as much).
TEXT_MAX_LENGTH = 100_000
RAW_INPUT_FACTOR = 3
# Sections of a legal page are second-level headings (the page's title is the first).
EXTRA_TAGS = frozenset({"h2"})
_TAGS = re.compile(r"<[^>]*>")


def conformance_errors(
    *, level: str, audit_date: date | None, rate: Decimal | None, today: date
) -> dict[str, str]:
    """What is wrong in an accessibility statement's conformance, by field (RGAA's rules: fully
    compliant is 100 % of the criteria met, partially compliant at least 50 %, not compliant
    below 50 % or without an audit; a rate and a date come from an audit)."""
    errors: dict[str, str] = {}
    if level not in LegalVersion.Conformance.values:
        errors["conformance_level"] = _("Choose the conformance status.")
        return errors
    if audit_date is not None and audit_date > today:
        errors["audit_date"] = _("The audit date cannot be in the future.")
    if rate is not None and not Decimal(0) <= rate <= Decimal(100):
        errors["conformance_rate"] = _("Give a rate between 0 and 100.")
        return errors
    audited = level != LegalVersion.Conformance.NONE
    if audited and audit_date is None and "audit_date" not in errors:
        errors["audit_date"] = _("Give the date of the audit this status comes from.")
    if audited and rate is None:
        errors["conformance_rate"] = _("Give the rate of RGAA criteria met by the audit.")
    elif rate is not None and audit_date is None and "audit_date" not in errors:
        errors["audit_date"] = _("Give the date of the audit this rate comes from.")
    if rate is None:
        return errors
    if level == LegalVersion.Conformance.FULL and rate != Decimal(100):
        errors["conformance_rate"] = _("Fully compliant means every criterion is met.")
    elif level == LegalVersion.Conformance.PARTIAL and not Decimal(50) <= rate < Decimal(100):
        errors["conformance_rate"] = _(
            "Partially compliant means at least half of the criteria are met, but not all."
        )
    elif level == LegalVersion.Conformance.NONE and rate >= Decimal(50):
        errors["conformance_rate"] = _(
            "With half of the criteria met or more, the site is partially compliant."
        )
    return errors


def _has_text(cleaned: str) -> bool:
    """Something to read once the markup is gone (an empty paragraph says nothing). `cleaned`
    is sanitized HTML: its tags are well-formed."""
    return bool(html.unescape(_TAGS.sub("", cleaned)).strip())


def _cleaned(texts: Mapping[str, str], name: str, errors: dict[str, list[str]]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for language, raw in texts.items():
        field = f"{name}_{language}"
        if language not in TEXT_LANGUAGES:
            errors.setdefault(name, []).append(_("Unknown language."))
            continue
        raw = raw or ""
        if len(raw) > TEXT_MAX_LENGTH * RAW_INPUT_FACTOR:
            errors.setdefault(field, []).append(
                _("At most %(max)d characters.") % {"max": TEXT_MAX_LENGTH}
            )
            continue
        value = clean_html(raw, extra_tags=EXTRA_TAGS)
        if len(value) > TEXT_MAX_LENGTH:
            errors.setdefault(field, []).append(
                _("At most %(max)d characters.") % {"max": TEXT_MAX_LENGTH}
            )
        cleaned[language] = value
    return cleaned


def legal_version_publish(
    *, kind: str, content: VersionContent, actor: AbstractBaseUser | AnonymousUser | None
) -> LegalVersion:
    """Publish a new version of a document: it becomes what the public page shows.

    Every body given must say something once cleaned (a language left out stays empty and
    reads the other one); the accessibility statement's conformance must follow RGAA's rules.
    A new terms version is asked of every signed-in person on their next page. Audited as
    "legal.published" with the kind and the version number.
    """
    return _publish(kind=kind, content=content, actor=actor, audited=True)


def _publish(
    *,
    kind: str,
    content: VersionContent,
    actor: AbstractBaseUser | AnonymousUser | None,
    audited: bool,
) -> LegalVersion:
    if kind not in LegalDocument.Kind.values:
        raise ValidationError({"kind": [_("Unknown document.")]})
    errors: dict[str, list[str]] = {}
    bodies = _cleaned(content.bodies, "body", errors)
    if not content.bodies:
        errors.setdefault("body", []).append(_("Write the text of the page."))
    for language, body in bodies.items():
        if not _has_text(body):
            errors.setdefault(f"body_{language}", []).append(_("Write the text of the page."))
    fields: dict[str, object] = {f"body_{language}": body for language, body in bodies.items()}
    if kind == LegalDocument.Kind.ACCESSIBILITY:
        for name, texts in (
            ("non_accessible", content.non_accessible),
            ("remedies", content.remedies),
        ):
            for language, text in _cleaned(texts, name, errors).items():
                fields[f"{name}_{language}"] = text
        for field, message in conformance_errors(
            level=content.conformance_level,
            audit_date=content.audit_date,
            rate=content.conformance_rate,
            today=timezone.localdate(),
        ).items():
            errors.setdefault(field, []).append(message)
        fields.update(
            conformance_level=content.conformance_level,
            audit_date=content.audit_date,
            conformance_rate=content.conformance_rate,
            contact_email=(content.contact_email or "").strip(),
            contact_url=(content.contact_url or "").strip(),
        )
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        document, _created = LegalDocument.objects.select_for_update().get_or_create(kind=kind)
        number = document.current_number + 1
        version = LegalVersion(
            document=document,
            number=number,
            published_at=timezone.now(),
            author_id=actor.pk if actor is not None and actor.is_authenticated else None,
            **fields,
        )
        version.full_clean(exclude=["document", "author"])
        version.save()
        document.current_number = number
        document.save(update_fields=["current_number", "updated_at"])
        if audited:
            audit_record(
                actor=actor,
                action="legal.published",
                target=version,
                data={"kind": kind, "version": number},
            )
        if kind == LegalDocument.Kind.TERMS:
            latest_terms_forget()
    logger.info("legal.published", extra={"kind": kind, "version": number})
    return version


def legal_defaults_publish(*, tenant: Tenant) -> list[LegalVersion]:
    """Publish the default text of every document that has no version yet (in the tenant's
    languages); what was published. Safe to run again: it publishes nothing the second time.

    Not in the audit trail: nobody changed anything (a new tenant's trail starts empty); the
    versions say they are the default text (no author)."""
    existing = set(
        LegalDocument.objects.filter(current_number__gt=0).values_list("kind", flat=True)
    )
    languages = text_languages_of(tenant)
    return [
        _publish(
            kind=kind,
            content=legal_default_content(tenant=tenant, kind=kind, languages=languages),
            actor=None,
            audited=False,
        )
        for kind in LegalDocument.Kind.values
        if kind not in existing
    ]


def legal_provision(*, tenant: Tenant, provisioning_input: ProvisioningInput) -> None:
    """Provisioning step (registered in tenants/legal/apps.py, run in the new tenant's schema):
    the tenant starts with the default text of each document."""
    legal_defaults_publish(tenant=tenant)


def terms_accept(
    *, user: AbstractBaseUser, number: int, source: str = TermsAcceptance.Source.PROMPT
) -> TermsAcceptance:
    """`user` accepts version `number` of the terms, which must be the latest (someone who read
    an older one while a new one was published is asked to read the new one)."""
    current = (
        LegalVersion.objects.filter(document__kind=LegalDocument.Kind.TERMS)
        .order_by("-number")
        .first()
    )
    if current is None or current.number != number:
        raise ValidationError(
            {"version": [_("The terms of use have changed: read the new version.")]}
        )
    return _accept(user=user, version=current, source=source)


def terms_accept_current(
    *, user: AbstractBaseUser, source: str = TermsAcceptance.Source.SIGNUP
) -> TermsAcceptance | None:
    """`user` accepts the latest terms (the sign-up form's checkbox); None when the tenant has
    published none."""
    current = (
        LegalVersion.objects.filter(document__kind=LegalDocument.Kind.TERMS)
        .order_by("-number")
        .first()
    )
    if current is None:
        return None
    return _accept(user=user, version=current, source=source)


def _accept(*, user: AbstractBaseUser, version: LegalVersion, source: str) -> TermsAcceptance:
    if source not in TermsAcceptance.Source.values:
        raise ValidationError({"source": [_("Unknown source.")]})
    with transaction.atomic():
        acceptance, created = TermsAcceptance.objects.get_or_create(
            user_id=user.pk, version=version, defaults={"source": source}
        )
        accepted_terms_forget(int(user.pk))
    if created:
        logger.info(
            "terms.accepted",
            extra={"user_id": user.pk, "version": version.number, "source": source},
        )
    return acceptance
