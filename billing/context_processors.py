"""The billing banner for every tenant page (trial ending, payment overdue, read-only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from billing.selectors import billing_banner
from tenants.routing import request_tenant


def billing(request: HttpRequest) -> dict[str, Any]:
    tenant = request_tenant(request)
    if tenant is None:
        return {"billing_banner": None}
    return {"billing_banner": billing_banner(tenant=tenant, user=getattr(request, "user", None))}
