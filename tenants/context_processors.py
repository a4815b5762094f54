"""Branding and tenant facts for every template."""

from typing import Any

from django.http import HttpRequest

from tenants.branding import branding_for
from tenants.middleware import request_is_public


def tenant(request: HttpRequest) -> dict[str, Any]:
    if request_is_public(request):
        return {"tenant": None, "branding": None}
    return {"tenant": request.tenant, "branding": branding_for(request.tenant)}
