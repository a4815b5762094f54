"""The billing banner for every tenant page (trial ending, payment overdue, read-only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from billing.selectors import billing_banner
from tenants.middleware import request_is_public


def billing(request: HttpRequest) -> dict[str, Any]:
    if request_is_public(request):
        return {"billing_banner": None}
    return {
        "billing_banner": billing_banner(
            tenant=request.tenant,  # type: ignore[attr-defined]
            user=getattr(request, "user", None),
        )
    }
