"""Branding and tenant facts for every template."""

from typing import Any

from django.http import HttpRequest

from tenants.branding import branding_for
from tenants.middleware import request_is_public

# Each language named in itself, as a switcher shows it.
LANGUAGE_NAMES = {"fr": "Français", "fr-ca": "Français", "en": "English"}


def tenant(request: HttpRequest) -> dict[str, Any]:
    if request_is_public(request):
        return {"tenant": None, "branding": None, "language_choices": []}
    offered = request.tenant.offered_languages
    choices = (
        [(code, LANGUAGE_NAMES.get(code, code)) for code in offered] if len(offered) > 1 else []
    )
    return {
        "tenant": request.tenant,
        "branding": branding_for(request.tenant),
        "language_choices": choices,
    }
