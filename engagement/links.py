"""Absolute links to engagement pages and the language a message is written in: what e-mails,
calendar files and API answers share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from tenants.models import Tenant

if TYPE_CHECKING:
    # For the annotation only: shared pieces import no domain (import-linter contract).
    from engagement.missions.models import Mission

# Links in e-mails: the pages' URL patterns, or these paths if a pattern is missing.
MISSION_PATH = "/missions/{mission_id}/"
MY_PARTICIPATIONS_PATH = "/me/participations/"
ORGANIZATION_PATH = "/organisation/{organization_id}/"
INVITATION_PATH = "/organisation/invitation/{token}/"


def page_url(tenant: Tenant, name: str, fallback: str, **kwargs: object) -> str:
    """The absolute URL of a named page on the tenant's canonical origin."""
    try:
        path = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        path = fallback.format(**kwargs)
    return f"{tenant.base_url}{path}"


def mission_url(tenant: Tenant, mission: Mission) -> str:
    return page_url(tenant, "mission-detail", MISSION_PATH, mission_id=mission.pk)


def language_for(tenant: Tenant, user: User | None = None) -> str:
    """The recipient's language if the tenant offers it, else the tenant's default."""
    chosen = (user.language or "").lower() if user is not None else ""
    if chosen and chosen in tenant.offered_languages:
        return chosen
    return tenant.default_language or settings.LANGUAGE_CODE


def template_language(language: str) -> str:
    """The template folder for a language: French variants share `fr`, everything else `en`."""
    return "fr" if language.lower().startswith("fr") else "en"
