"""The CSR report page (/gestion/rapports/), tenant admins only: a calendar year or a campaign,
previewed as HTML and downloaded as PDF, CSV or XLSX (engagement/reports). Also the admins' list
of certificates issued, where one can be revoked.

Bad input never ends in a 500: an unreadable choice is a 400 page with the form's messages, a
year not yet begun or a campaign this tenant does not have is a 404 page that says so.
"""

from __future__ import annotations

import logging
import time

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import SignedInRequest
from engagement.backoffice.access import backoffice_page
from engagement.backoffice.rendering import backoffice_render
from engagement.errors import EngagementError
from engagement.reports.access import certificate_get_for_admin
from engagement.reports.exports import report_context, report_csv, report_pdf, report_xlsx
from engagement.reports.forms import ReportForm, ReportFormat
from engagement.reports.sdg import SDG_NUMBERS, sdg_label
from engagement.reports.selectors import (
    FIRST_REPORT_YEAR,
    ReportScope,
    certificates_recent,
    csr_report,
    report_campaigns,
    report_scope_for_campaign,
    report_scope_for_year,
    report_years,
)
from engagement.reports.services import certificate_revoke
from engagement.taxonomy.access import cause_get_for_admin
from engagement.taxonomy.selectors import cause_list_for_settings
from engagement.taxonomy.services import cause_sdg_goals_set
from tenants.models import Tenant

logger = logging.getLogger("engagement.views")

TEMPLATE = "reports/backoffice_report.html"
CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _currency(tenant: Tenant) -> str:
    return "CAD" if tenant.country == "CA" else "EUR"


def _page(request: HttpRequest, context: dict[str, object], *, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    page_context: dict[str, object] = {
        "years": report_years(today=today),
        "campaigns": list(report_campaigns()),
        "certificates": list(certificates_recent()),
        **context,
    }
    return backoffice_render(request, TEMPLATE, page_context, status=status)


@require_GET
@backoffice_page(admins_only=True)
def reports(request: HttpRequest) -> HttpResponse:
    """The report of a year (this year unless told) or of a campaign, as a page or a file."""
    form = ReportForm(request.GET)
    if not form.is_valid():
        return _page(request, {"form": form}, status=400)
    today = timezone.localdate()
    scope: ReportScope
    if form.cleaned_data["campaign"] is not None:
        campaign = report_campaigns().filter(pk=form.cleaned_data["campaign"]).first()
        if campaign is None:
            message = _("There is no such campaign here.")
            return _page(request, {"form": form, "not_found": message}, status=404)
        scope = report_scope_for_campaign(campaign)
    else:
        year = form.cleaned_data["year"] or today.year
        if year > today.year:
            message = _("%(year)s has not begun: there is nothing to report yet.") % {"year": year}
            return _page(request, {"form": form, "not_found": message}, status=404)
        if year < FIRST_REPORT_YEAR:
            message = _("There is no report before %(year)s.") % {"year": FIRST_REPORT_YEAR}
            return _page(request, {"form": form, "not_found": message}, status=404)
        scope = report_scope_for_year(year)

    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    report = csr_report(
        scope=scope, hourly_rate=form.cleaned_data["rate"], currency=_currency(tenant)
    )
    chosen = form.cleaned_data["format"] or ReportFormat.HTML
    if chosen == ReportFormat.HTML:
        return _page(request, {"form": form, **report_context(report, tenant_name=tenant.name)})
    started = time.perf_counter()
    if chosen == ReportFormat.PDF:
        content = report_pdf(report, tenant_name=tenant.name)
    elif chosen == ReportFormat.CSV:
        content = report_csv(report)
    else:
        content = report_xlsx(report, tenant_name=tenant.name)
    logger.info(
        "report.rendered",
        extra={"format": chosen, "milliseconds": round((time.perf_counter() - started) * 1000)},
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[chosen])
    filename = f"rapport-rse-{tenant.slug}-{scope.slug}.{chosen}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@backoffice_page(admins_only=True)
def certificate_revoke_by_admin(request: SignedInRequest, certificate_id: int) -> HttpResponse:
    certificate = certificate_get_for_admin(certificate_id=certificate_id)
    if certificate is None:
        raise Http404
    try:
        certificate_revoke(certificate=certificate, actor=request.user)
    except EngagementError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, _("The certificate is revoked: its page now says so."))
    return redirect("backoffice:reports")


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def report_goals(request: SignedInRequest) -> HttpResponse:
    """Which UN Sustainable Development Goals each cause serves (the report's "by goal"). Each
    cause's form posts its id and the goals ticked; nothing else changes."""
    status = 200
    if request.method == "POST":
        cause = cause_get_for_admin(cause_id=request.POST.get("cause", ""), user=request.user)
        try:
            cause_sdg_goals_set(
                cause=cause, actor=request.user, goals=request.POST.getlist("goals")
            )
        except EngagementError as error:
            messages.error(request, str(error.detail))
            status = 400
        else:
            messages.success(request, _("Saved."))
            return redirect("backoffice:report-goals")
    goals = [(number, sdg_label(number)) for number in SDG_NUMBERS]
    return backoffice_render(
        request,
        "reports/backoffice_goals.html",
        {"causes": list(cause_list_for_settings()), "goals": goals},
        status=status,
    )
