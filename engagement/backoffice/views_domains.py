"""Back office, custom domain (/gestion/domaines/): add a domain, see the DNS records to create,
verify them, make a verified domain the main address, remove a domain; what HTTPS needs.

Tenant admins only, and only on plans with the `custom_domain` entitlement: without it the page
says so and links to the subscription page, and every other request is refused (403). The rules and
writes are tenants/domains.py's; the DNS look-ups tenants/dns.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import id_or_404
from accounts.requests import SignedInRequest
from billing.entitlements import EntitlementMissing, entitlement_has, entitlement_require
from engagement.backoffice.access import backoffice_page
from engagement.backoffice.rendering import backoffice_render
from tenants.dns import CHALLENGE_LABEL, DnsProblemCode, challenge_name
from tenants.domains import (
    custom_domain_add,
    custom_domain_allowance,
    custom_domain_display,
    custom_domain_make_primary,
    custom_domain_remove,
    custom_domain_verify,
    tenant_subdomain_make_primary,
)
from tenants.models import Domain, Tenant
from tenants.selectors import custom_domain_get, custom_domain_list

ENTITLEMENT = "custom_domain"


class BackofficeRequest(SignedInRequest):
    """A request on a tenant host (the routing middleware set `tenant`) that `backoffice_page`
    let through. An annotation only."""

    tenant: Tenant


class DomainAddForm(forms.Form):
    domain = forms.CharField(
        label=gettext_lazy("Domain name"),
        max_length=300,
        help_text=gettext_lazy(
            "A name of your own, such as benevolat.example-city.fr (accents are fine)."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )


@dataclass(frozen=True)
class DnsRecord:
    type: str
    name: str
    value: str


@dataclass(frozen=True)
class DomainEntry:
    """One custom domain as the page shows it."""

    domain: Domain
    display_name: str
    records: tuple[DnsRecord, ...]
    problems: tuple[str, ...]
    # Pending only: whether the periodic check still runs.
    next_check_at: datetime | None

    @property
    def is_unicode(self) -> bool:
        return self.display_name != self.domain.domain


def _problem_message(problem: Mapping[str, str], domain: Domain, target: str) -> str:
    name = custom_domain_display(domain.domain)
    values = {
        "domain": name,
        "target": target,
        "challenge": challenge_name(domain.domain),
        "found": problem.get("found", ""),
    }
    code = problem.get("code")
    if code == DnsProblemCode.NXDOMAIN:
        message = _(
            "%(domain)s does not exist in the DNS yet: create the two records below at the "
            "company that manages your domain's DNS."
        )
    elif code == DnsProblemCode.TIMEOUT:
        message = _("The DNS servers did not answer in time. Try again in a few minutes.")
    elif code == DnsProblemCode.DNS_ERROR:
        message = _(
            "The DNS servers answered with an error. Try again later; if it lasts, ask the "
            "company that manages your domain's DNS."
        )
    elif code == DnsProblemCode.CNAME_MISSING:
        message = _("%(domain)s has no CNAME record: create one pointing to %(target)s.")
    elif code == DnsProblemCode.CNAME_ELSEWHERE:
        message = _(
            "The CNAME record of %(domain)s points to %(found)s instead of %(target)s: change it."
        )
    elif code == DnsProblemCode.TXT_MISSING:
        message = _("No TXT record at %(challenge)s yet.")
    elif code == DnsProblemCode.TXT_WRONG:
        message = _("The TXT record at %(challenge)s holds “%(found)s” instead of the value below.")
    else:
        message = _("The last check failed.")
    return message % values


def _entry(domain: Domain, target: str) -> DomainEntry:
    records: tuple[DnsRecord, ...] = ()
    if not domain.is_verified:
        records = (
            DnsRecord(type="CNAME", name=domain.domain, value=target),
            DnsRecord(
                type="TXT",
                name=challenge_name(domain.domain),
                value=domain.verification_token,
            ),
        )
    return DomainEntry(
        domain=domain,
        display_name=custom_domain_display(domain.domain),
        records=records,
        problems=tuple(
            _problem_message(problem, domain, target)
            for problem in (domain.last_check_problems or [])
            if isinstance(problem, dict)
        ),
        next_check_at=domain.next_check_at,
    )


def _not_entitled(request: BackofficeRequest) -> HttpResponse:
    if request.method != "GET":
        raise EntitlementMissing(ENTITLEMENT)
    return backoffice_render(
        request,
        "backoffice/domains/not_entitled.html",
        {"platform_host": request.tenant.primary_host},
    )


def _render(request: BackofficeRequest, form: DomainAddForm, *, status: int = 200) -> HttpResponse:
    tenant = request.tenant
    target = settings.PLATFORM_CNAME_TARGET
    domains = custom_domain_list(tenant=tenant)
    allowance = custom_domain_allowance(tenant)
    main = next((d for d in domains if d.is_primary and d.is_verified), None)
    context = {
        "form": form,
        "entries": [_entry(domain, target) for domain in domains],
        "allowance": allowance,
        "can_add": allowance is None or len(domains) < allowance,
        "platform_host": tenant.primary_host,
        "main_host": custom_domain_display(main.domain) if main else tenant.primary_host,
        "main_is_custom": main is not None,
        "cname_target": target,
        "challenge_label": CHALLENGE_LABEL,
        "check_minutes": max(1, settings.CUSTOM_DOMAIN_CHECK_SECONDS // 60),
        "check_days": settings.CUSTOM_DOMAIN_CHECK_DAYS,
    }
    return backoffice_render(request, "backoffice/domains/index.html", context, status=status)


def _list_url(domain: Domain | None = None) -> str:
    url = reverse("backoffice:domains")
    return f"{url}#domain-{domain.pk}" if domain is not None else url


def _domain_or_404(request: BackofficeRequest, domain_id: int) -> Domain:
    domain = custom_domain_get(tenant=request.tenant, domain_id=id_or_404(domain_id))
    if domain is None:
        raise Http404
    return domain


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def domains(request: BackofficeRequest) -> HttpResponse:
    """The tenant's custom domains and the form to add one."""
    if not entitlement_has(request.tenant, ENTITLEMENT):
        return _not_entitled(request)
    if request.method != "POST":
        return _render(request, DomainAddForm())
    form = DomainAddForm(request.POST)
    if form.is_valid():
        try:
            domain = custom_domain_add(
                tenant=request.tenant, name=form.cleaned_data["domain"], actor=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(domain)s is added. Create the two DNS records below, then verify.")
                % {"domain": custom_domain_display(domain.domain)},
            )
            return HttpResponseRedirect(_list_url(domain))
    return _render(request, form, status=400)


@require_POST
@backoffice_page(admins_only=True)
def domain_verify(request: BackofficeRequest, domain_id: int) -> HttpResponse:
    """ "Verify now": the DNS is asked at once; the domain routes if both records are right."""
    entitlement_require(request.tenant, ENTITLEMENT)  # before any lookup: a 403 page
    domain = _domain_or_404(request, domain_id)
    name = custom_domain_display(domain.domain)
    if domain.is_verified:
        messages.info(request, _("%(domain)s is already verified.") % {"domain": name})
        return HttpResponseRedirect(_list_url(domain))
    try:
        domain = custom_domain_verify(domain=domain, actor=request.user)
    except Domain.DoesNotExist:
        raise Http404 from None
    if domain.is_verified:
        messages.success(
            request,
            _("%(domain)s is verified: it now leads to your site.") % {"domain": name},
        )
    else:
        messages.warning(
            request,
            _("%(domain)s is not verified yet: see what the check found below.") % {"domain": name},
        )
    return HttpResponseRedirect(_list_url(domain))


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def domain_remove(request: BackofficeRequest, domain_id: int) -> HttpResponse:
    """A confirmation page, then the removal: the domain stops leading to the site at once."""
    entitlement_require(request.tenant, ENTITLEMENT)  # before any lookup: a 403 page
    domain = _domain_or_404(request, domain_id)
    name = custom_domain_display(domain.domain)
    if request.method == "POST":
        custom_domain_remove(domain=domain, actor=request.user)
        messages.success(request, _("%(domain)s is removed.") % {"domain": name})
        return HttpResponseRedirect(_list_url())
    return backoffice_render(
        request,
        "backoffice/domains/remove.html",
        {"domain": domain, "display_name": name, "platform_host": request.tenant.primary_host},
    )


@require_POST
@backoffice_page(admins_only=True)
def domain_make_primary(request: BackofficeRequest, domain_id: int) -> HttpResponse:
    """A verified domain becomes the main address (links in e-mails lead there)."""
    entitlement_require(request.tenant, ENTITLEMENT)  # before any lookup: a 403 page
    domain = _domain_or_404(request, domain_id)
    name = custom_domain_display(domain.domain)
    try:
        custom_domain_make_primary(domain=domain, actor=request.user)
    except Domain.DoesNotExist:  # removed meanwhile
        raise Http404 from None
    except ValidationError:
        messages.error(
            request,
            _("%(domain)s is not verified yet: it cannot become the main address.")
            % {"domain": name},
        )
        return HttpResponseRedirect(_list_url(domain))
    messages.success(request, _("%(domain)s is now your main address.") % {"domain": name})
    return HttpResponseRedirect(_list_url(domain))


@require_POST
@backoffice_page(admins_only=True)
def domain_platform_primary(request: BackofficeRequest) -> HttpResponse:
    """The platform's subdomain becomes the main address again."""
    entitlement_require(request.tenant, ENTITLEMENT)
    tenant_subdomain_make_primary(tenant=request.tenant, actor=request.user)
    messages.success(
        request,
        _("%(domain)s is now your main address.") % {"domain": request.tenant.primary_host},
    )
    return HttpResponseRedirect(_list_url())
