"""The client's address, as every rate limit and audit line must see it.

Behind the ingress, REMOTE_ADDR is the proxy: used as is, every visitor would share one rate-limit
bucket. Each trusted proxy appends the address it received the connection from to
X-Forwarded-For, so with TRUSTED_PROXY_COUNT proxies the client is the entry that many places
from the right; anything further left was written by the client and is never trusted. With no
trusted proxy (local runs) the header is ignored, so a client cannot choose its own address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:443"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or None when it cannot be known (no usable REMOTE_ADDR)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry
        ]
        if len(forwarded) >= proxies:
            # The entry the outermost trusted proxy wrote. If it is garbage, the proxy chain is
            # misconfigured: fall back to REMOTE_ADDR (one shared bucket) rather than trust it.
            address = _clean(forwarded[-proxies])
            if address is not None:
                return address
        # Fewer entries than trusted proxies: the request did not come through all of them
        # (a probe inside the cluster); its direct peer is the best answer.
    return _clean(request.META.get("REMOTE_ADDR", ""))
