"""The text a tenant starts with for each document, in French and English, naming the tenant.

The texts are templates (templates/legal/defaults/<fr|en>/<kind>.html) so that they read as
what they are, legal prose, and can be reviewed as such; placeholders in square brackets are
what only the tenant can fill in (its address, its director of publication).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string

from tenants.legal.models import TEXT_LANGUAGES, LegalDocument, LegalVersion, text_language
from tenants.models import Tenant


@dataclass(frozen=True)
class VersionContent:
    """What a version says: bodies by text language ("fr", "en") and, for the accessibility
    statement, the fields of RGAA's model statement (texts by language as well)."""

    bodies: dict[str, str]
    conformance_level: str = ""
    audit_date: date | None = None
    conformance_rate: Decimal | None = None
    non_accessible: dict[str, str] = field(default_factory=dict)
    remedies: dict[str, str] = field(default_factory=dict)
    contact_email: str = ""
    contact_url: str = ""

    @classmethod
    def of(cls, version: LegalVersion) -> VersionContent:
        """The content of a stored version (to edit it into the next one)."""
        return cls(
            bodies=_by_language(version, "body"),
            conformance_level=version.conformance_level,
            audit_date=version.audit_date,
            conformance_rate=version.conformance_rate,
            non_accessible=_by_language(version, "non_accessible"),
            remedies=_by_language(version, "remedies"),
            contact_email=version.contact_email,
            contact_url=version.contact_url,
        )


def _by_language(version: LegalVersion, name: str) -> dict[str, str]:
    return {code: getattr(version, f"{name}_{code}") for code in TEXT_LANGUAGES}


def text_languages_of(tenant: Tenant) -> list[str]:
    """The text languages a tenant writes in, its default first (fr-ca and fr are one)."""
    languages: list[str] = []
    for code in tenant.offered_languages:
        language = text_language(code)
        if language not in languages:
            languages.append(language)
    return languages


def _render(tenant: Tenant, language: str, name: str) -> str:
    context = {
        "tenant_name": tenant.name,
        "site_url": tenant.base_url,
        "is_company": tenant.kind == Tenant.Kind.COMPANY,
    }
    return render_to_string(f"legal/defaults/{language}/{name}.html", context).strip()


def legal_default_content(
    *, tenant: Tenant, kind: str, languages: Iterable[str] | None = None
) -> VersionContent:
    """The default text of `kind` for `tenant`, in `languages` (by default the tenant's)."""
    wanted = list(languages) if languages is not None else text_languages_of(tenant)
    bodies = {language: _render(tenant, language, kind) for language in wanted}
    if kind != LegalDocument.Kind.ACCESSIBILITY:
        return VersionContent(bodies=bodies)
    # Nothing audited yet: RGAA's "non conforme", without a rate or an audit date.
    return VersionContent(
        bodies=bodies,
        conformance_level=LegalVersion.Conformance.NONE,
        non_accessible={
            language: _render(tenant, language, "accessibility_non_accessible")
            for language in wanted
        },
        remedies={
            language: _render(tenant, language, "accessibility_remedies") for language in wanted
        },
    )
