"""Certificates of volunteering: the volunteer's page (/profil/certificat/: ask for one over a
year or all time, download, revoke), and the public verification page (/certificats/<token>/,
no sign-in: the token is the key; it shows what the certificate states, or only that it was
revoked; an unknown token, or one of another tenant, is a 404 "unknown certificate")."""

from __future__ import annotations

import logging
import time
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.requests import SignedInRequest
from engagement.errors import EngagementError
from engagement.reports.access import certificate_get_for_holder
from engagement.reports.exports import pdf_from_html, qr_svg
from engagement.reports.forms import CertificateForm
from engagement.reports.models import Certificate
from engagement.reports.selectors import certificate_for_token, certificates_of
from engagement.reports.services import (
    FIRST_CERTIFICATE_YEAR,
    certificate_issue,
    certificate_revoke,
)
from tenants.models import Tenant

logger = logging.getLogger("engagement.views")


def verification_url(tenant: Tenant, certificate: Certificate) -> str:
    return tenant.base_url + reverse("certificate-verify", kwargs={"token": certificate.token})


def _activities(certificate: Certificate) -> list[dict[str, object]]:
    return [
        {
            "day": date.fromisoformat(str(activity["day"])),
            "what": activity["what"],
            "organization": activity["organization"],
            "hours": Decimal(str(activity["hours"])),
        }
        for activity in certificate.activities
    ]


def _page(request: SignedInRequest, form: CertificateForm, *, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "form": form,
        "years": list(range(today.year, FIRST_CERTIFICATE_YEAR - 1, -1))[:30],
        "certificates": list(certificates_of(volunteer=request.user)),
    }
    return render(request, "reports/certificates.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def certificates(request: SignedInRequest) -> HttpResponse:
    """GET: the page; POST: a new certificate (then its PDF), or the reason there is none."""
    if request.method == "GET":
        return _page(request, CertificateForm())
    form = CertificateForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        certificate = certificate_issue(volunteer=request.user, year=form.cleaned_data["year"])
    except EngagementError as error:
        for field, errors in (error.fields or {}).items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        if not error.fields:
            form.add_error(None, str(error.detail))
        return _page(request, form, status=400)
    messages.success(request, _("Your certificate is ready."))
    return redirect("certificate-pdf", certificate_id=certificate.pk)


@login_required
@require_safe
def certificate_pdf(request: SignedInRequest, certificate_id: int) -> HttpResponse:
    certificate = certificate_get_for_holder(certificate_id=certificate_id, user=request.user)
    if certificate is None:
        return render(request, "reports/certificate_unknown.html", status=404)
    if certificate.is_revoked:
        messages.error(request, _("This certificate is revoked: ask for a new one."))
        return redirect("certificates")
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    url = verification_url(tenant, certificate)
    started = time.perf_counter()
    html = render_to_string(
        "reports/certificate_pdf.html",
        {
            "language": get_language() or "fr",
            "certificate": certificate,
            "activities": _activities(certificate),
            "tenant_name": tenant.name,
            "verification_url": url,
            "qr_code": qr_svg(url),
        },
    )
    content = pdf_from_html(html)
    logger.info(
        "certificate.rendered",
        extra={"milliseconds": round((time.perf_counter() - started) * 1000)},
    )
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"certificat-{tenant.slug}-{certificate.issued_at.date().isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def certificate_revoke_by_holder(request: SignedInRequest, certificate_id: int) -> HttpResponse:
    certificate = certificate_get_for_holder(certificate_id=certificate_id, user=request.user)
    if certificate is None:
        return render(request, "reports/certificate_unknown.html", status=404)
    try:
        certificate_revoke(certificate=certificate, actor=request.user)
    except EngagementError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, _("The certificate is revoked: its page now says so."))
    return redirect("certificates")


@require_safe
def certificate_verify(request: HttpRequest, token: str) -> HttpResponse:
    """What the certificate states, as frozen when issued; "revoked" only, once revoked."""
    certificate = certificate_for_token(token=token)
    if certificate is None:
        response = render(request, "reports/certificate_unknown.html", status=404)
    else:
        response = render(
            request,
            "reports/certificate_verify.html",
            {"certificate": certificate, "tenant_name": request.tenant.name},  # type: ignore[attr-defined]
        )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-cache"
    return response
