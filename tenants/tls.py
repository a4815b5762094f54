"""On-demand TLS for tenants' custom domains: the question the TLS edge asks before it obtains a
certificate (docs/adr/0014-custom-domains-tls.md).

The edge (Caddy, `edge` in the Helm chart) gets a certificate from the ACME CA the first time a
browser reaches a name it has none for, but only after `GET /tls-ask?domain=<name>` answers 200.
The answer is "yes" exactly for the names this deployment routes to a tenant and that are not
the platform's own (those are covered by the wildcard certificate of `*.BASE_DOMAIN`): a verified
custom domain of an active or suspended tenant. Anything else (unknown, claimed but not verified,
a deprovisioned tenant's, malformed) is refused, so nobody can make the edge ask the CA for
certificates of names they point at it.

The answer depends on the name only, never on the host the question arrives on; it reveals no
more than a request to the name itself would (whether it routes). It reads the routing cache
(tenants/routing.py): no SQL on a hit, and a domain verified or removed is seen at once.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from tenants.models import is_platform_host
from tenants.routing import resolve_host

TLS_ASK_PATH = "/tls-ask"
_MAX_NAME = 253


def certificate_allowed(host: str) -> bool:
    """Whether the edge may obtain a certificate for `host` (a normalized host name)."""
    if not host or is_platform_host(host):
        return False
    route = resolve_host(host)
    return route.kind == "tenant" and route.tenant is not None


def tls_ask(request: HttpRequest) -> HttpResponse:
    """200 when a certificate may be issued for `?domain=`, 404 when not, 400 for a malformed
    question, 405 for anything but GET."""
    if request.method != "GET":
        return JsonResponse(
            {"detail": "Method not allowed.", "code": "method_not_allowed", "fields": {}},
            status=405,
            headers={"Allow": "GET"},
        )
    # As the edge sends it: a bare name (a port or an address is no name to certify).
    host = request.GET.get("domain", "").strip().lower().rstrip(".")
    if not _is_host_name(host):
        return JsonResponse(
            {
                "detail": "A host name is required.",
                "code": "invalid",
                "fields": {"domain": ["A host name is required."]},
            },
            status=400,
        )
    if certificate_allowed(host):
        return JsonResponse({"domain": host, "allowed": True})
    return JsonResponse({"domain": host, "allowed": False}, status=404)


def _is_host_name(host: str) -> bool:
    """A DNS name as the edge sends it (ASCII, punycode for IDNs): labels of letters, digits and
    hyphens, no port, no address."""
    if not host or len(host) > _MAX_NAME or "." not in host:
        return False
    for label in host.split("."):
        if not label or len(label) > 63 or label.startswith("-") or label.endswith("-"):
            return False
        if not all(char.isascii() and (char.isalnum() or char == "-") for char in label):
            return False
    return not host.replace(".", "").isdigit()
