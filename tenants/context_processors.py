"""Branding and tenant facts for every template."""

from typing import Any

from django.http import HttpRequest

from tenants.branding import branding_for
from tenants.routing import request_tenant

# Each language named in itself, as a switcher shows it.
LANGUAGE_NAMES = {"fr": "Français", "fr-ca": "Français", "en": "English"}


def tenant(request: HttpRequest) -> dict[str, Any]:
    current = request_tenant(request)
    if current is None:
        return {"tenant": None, "branding": None, "language_choices": [], "social_image_url": ""}
    offered = current.offered_languages
    choices = (
        [(code, LANGUAGE_NAMES.get(code, code)) for code in offered] if len(offered) > 1 else []
    )
    branding = branding_for(current)
    return {
        "tenant": current,
        "branding": branding,
        "language_choices": choices,
        # Link previews need an absolute address; the request's host is one of the tenant's.
        "social_image_url": (
            request.build_absolute_uri(branding.social_image_url)
            if branding.social_image_url
            else ""
        ),
    }
