"""Reads of the legal pages: the current version of a document, the history, and whether a
signed-in person has accepted the latest terms of use (at most one query, none once cached)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Max, OuterRef, QuerySet, Subquery

from tenants.legal.cache import LIFETIME_SECONDS, accepted_terms_key, latest_terms_key
from tenants.legal.models import LegalDocument, LegalVersion, TermsAcceptance

MAX_VERSION_NUMBER = 2**31 - 1


def legal_version_current(*, kind: str) -> LegalVersion | None:
    """The latest version of a document (one query), or None before the first."""
    return (
        LegalVersion.objects.select_related("document")
        .filter(document__kind=kind)
        .order_by("-number")
        .first()
    )


def legal_versions_current() -> dict[str, LegalVersion]:
    """The latest version of each document that has one, by kind (one query)."""
    latest = LegalDocument.objects.filter(pk=OuterRef("document_id")).values("current_number")
    versions = LegalVersion.objects.select_related("document", "author").filter(
        number=Subquery(latest)
    )
    return {version.document.kind: version for version in versions}


def legal_versions_of(*, kind: str) -> QuerySet[LegalVersion]:
    """Every version of a document, the latest first, with their authors."""
    return (
        LegalVersion.objects.select_related("document", "author")
        .filter(document__kind=kind)
        .order_by("-number")
    )


def legal_version_get(*, kind: str, number: int) -> LegalVersion:
    """One version of a document (one query); LegalVersion.DoesNotExist if there is none."""
    if not 1 <= number <= MAX_VERSION_NUMBER:  # beyond PostgreSQL's integer: names nothing
        raise LegalVersion.DoesNotExist
    return LegalVersion.objects.select_related("document", "author").get(
        document__kind=kind, number=number
    )


@dataclass(frozen=True)
class TermsStatus:
    latest: int  # the latest terms version, 0 if none was ever published
    accepted: int  # the latest version this person accepted, 0 if none

    @property
    def acceptance_needed(self) -> bool:
        return self.accepted < self.latest


def terms_latest_number() -> int:
    """The number of the latest terms version, 0 if none (cached; one query on a miss)."""
    latest = cache.get(latest_terms_key())
    if latest is None:
        latest = _latest_number()
        cache.set(latest_terms_key(), latest, LIFETIME_SECONDS)
    return int(latest)


def terms_status(*, user_id: int) -> TermsStatus:
    """The latest terms and the latest version `user_id` accepted.

    From the cache when it has both (no query); otherwise one query for whatever it misses,
    both in one query when it misses both, so a page never pays more than one for this.
    """
    latest_key, accepted_key = latest_terms_key(), accepted_terms_key(user_id)
    cached = cache.get_many([latest_key, accepted_key])
    cached_latest, cached_accepted = cached.get(latest_key), cached.get(accepted_key)
    if cached_latest is None:
        if cached_accepted is None:
            latest, accepted = _latest_and_accepted(user_id)
            cache.set_many({latest_key: latest, accepted_key: accepted}, LIFETIME_SECONDS)
        else:
            latest, accepted = _latest_number(), int(cached_accepted)
            cache.set(latest_key, latest, LIFETIME_SECONDS)
    elif cached_accepted is None:
        latest = int(cached_latest)
        if latest == 0:
            # Nothing to accept: no need to know (nor to ask the database) what was accepted.
            return TermsStatus(latest=0, accepted=0)
        accepted = _accepted_number(user_id)
        cache.set(accepted_key, accepted, LIFETIME_SECONDS)
    else:
        latest, accepted = int(cached_latest), int(cached_accepted)
    return TermsStatus(latest=latest, accepted=accepted)


def _latest_number() -> int:
    number = (
        LegalDocument.objects.filter(kind=LegalDocument.Kind.TERMS)
        .values_list("current_number", flat=True)
        .first()
    )
    return number or 0


def _accepted_number(user_id: int) -> int:
    number = TermsAcceptance.objects.filter(user_id=user_id).aggregate(
        number=Max("version__number")
    )["number"]
    return number or 0


def _latest_and_accepted(user_id: int) -> tuple[int, int]:
    accepted = (
        TermsAcceptance.objects.filter(user_id=user_id)
        .order_by("-version__number")
        .values("version__number")[:1]
    )
    row = (
        LegalDocument.objects.filter(kind=LegalDocument.Kind.TERMS)
        .annotate(accepted=Subquery(accepted))
        .values_list("current_number", "accepted")
        .first()
    )
    if row is None:
        return 0, 0
    return row[0] or 0, row[1] or 0


def terms_acceptances_of(*, user_id: int) -> QuerySet[TermsAcceptance]:
    """The terms versions a person accepted, the latest first (for their data export)."""
    return TermsAcceptance.objects.select_related("version").filter(user_id=user_id)
