"""The legal pages (public, readable without JavaScript, in the request's language) and the page
that asks a signed-in person to accept the latest terms of use."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tenants.legal.defaults import legal_default_content
from tenants.legal.forms import TermsAcceptanceForm
from tenants.legal.models import LegalDocument, LegalVersion
from tenants.legal.selectors import legal_version_current, terms_status
from tenants.legal.services import terms_accept
from tenants.routing import request_tenant


def _default_version(request: HttpRequest, kind: str) -> LegalVersion:
    """What a tenant that never published this document shows: its default text, unsaved."""
    tenant = request_tenant(request)
    assert tenant is not None  # the tenant URLconf is served on tenant hosts only
    content = legal_default_content(tenant=tenant, kind=kind)
    fields: dict[str, Any] = {
        **{f"body_{language}": body for language, body in content.bodies.items()},
        **{f"non_accessible_{code}": text for code, text in content.non_accessible.items()},
        **{f"remedies_{code}": text for code, text in content.remedies.items()},
    }
    return LegalVersion(
        document=LegalDocument(kind=kind),
        number=0,
        conformance_level=content.conformance_level,
        **fields,
    )


def page_context(version: LegalVersion, language: str) -> dict[str, Any]:
    """What the page template shows of a version, in the request's language."""
    return {
        "version": version,
        "kind": version.document.kind,
        "title": version.document.get_kind_display(),
        "body": version.text("body", language),
        "body_language": version.language_of("body", language),
        "non_accessible": version.text("non_accessible", language),
        "non_accessible_language": version.language_of("non_accessible", language),
        "remedies": version.text("remedies", language),
        "remedies_language": version.language_of("remedies", language),
    }


@require_GET
def legal_page(request: HttpRequest, kind: str) -> HttpResponse:
    version = legal_version_current(kind=kind) or _default_version(request, kind)
    return render(request, "legal/page.html", page_context(version, get_language()))


def _next_url(request: HttpRequest, candidate: str | None) -> str:
    """Where to go once accepted: a path of this host, never the acceptance page itself."""
    accept_path = reverse("legal:terms-accept")
    if (
        candidate
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and not candidate.startswith(accept_path)
    ):
        return candidate
    return "/"


@require_http_methods(["GET", "HEAD", "POST"])
def terms_accept_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    version = legal_version_current(kind=LegalDocument.Kind.TERMS)
    status = 200
    if request.method == "POST":
        form = TermsAcceptanceForm(request.POST)
        next_url = _next_url(request, request.POST.get("next"))
        if version is None:
            return HttpResponseRedirect(next_url)
        if form.is_valid():
            try:
                terms_accept(user=user, number=form.cleaned_data["version"])
            except ValidationError:
                # A new version was published while this person was reading the previous one.
                messages.warning(request, _("The terms of use have changed: read the new version."))
                form = TermsAcceptanceForm(initial={"version": version.number, "next": next_url})
                status = 409
            else:
                messages.success(request, _("Thank you: you accepted the terms of use."))
                return HttpResponseRedirect(next_url)
        else:
            status = 400
    else:
        next_url = _next_url(request, request.GET.get("next"))
        if version is None or not terms_status(user_id=user.pk).acceptance_needed:
            return HttpResponseRedirect(next_url)
        form = TermsAcceptanceForm(initial={"version": version.number, "next": next_url})
    context = {
        **page_context(version, get_language()),
        "form": form,
        "next_url": next_url,
        "accepted_before": terms_status(user_id=user.pk).accepted > 0,
    }
    return render(request, "legal/accept.html", context, status=status)
