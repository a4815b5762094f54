"""The statistics page (/gestion/statistiques/), tenant admins only: the base figures for everyone,
the breakdowns for plans with advanced reports. Readable without JavaScript: charts are bars drawn
on the server inside the tables that hold their figures."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing.entitlements import entitlement_has
from engagement.backoffice.access import backoffice_page
from engagement.backoffice.forms_statistics import StatisticsPeriodForm
from engagement.backoffice.periods import PeriodKind
from engagement.backoffice.rendering import backoffice_render
from engagement.backoffice.statistics import (
    StatisticsReport,
    area_grouping_for,
    statistics_report,
)
from tenants.models import Tenant

ADVANCED_REPORTS = "advanced_reports"


def _largest(report: StatisticsReport) -> dict[str, object]:
    """The longest bar of each chart (the others are drawn in proportion)."""
    if report.breakdowns is None:
        return {}
    breakdowns = report.breakdowns
    return {
        "cause_participations": max(
            (row.participations.current for row in breakdowns.by_cause), default=0
        ),
        "cause_hours": max((row.hours for row in breakdowns.by_cause), default=0),
        "area_participations": max(
            (row.participations.current for row in breakdowns.by_area), default=0
        ),
        "area_hours": max((row.hours for row in breakdowns.by_area), default=0),
        "month_sign_ups": max((row.new_sign_ups for row in breakdowns.monthly), default=0),
        "month_participations": max((row.participations for row in breakdowns.monthly), default=0),
        "month_hours": max((row.hours for row in breakdowns.monthly), default=0),
    }


@require_GET
@backoffice_page(admins_only=True)
def statistics(request: HttpRequest) -> HttpResponse:
    """The tenant's figures over a period, each against the previous period of the same length."""
    tenant = request.tenant
    form = StatisticsPeriodForm(
        request.GET, today=timezone.localdate(), zone=timezone.get_current_timezone()
    )
    context: dict[str, object] = {
        "form": form,
        "period_kinds": PeriodKind,
        "is_company": tenant.kind == Tenant.Kind.COMPANY,
        "has_advanced_reports": entitlement_has(tenant, ADVANCED_REPORTS),
    }
    if not form.is_valid():
        return backoffice_render(
            request, "backoffice/statistics/statistics.html", context, status=400
        )
    report = statistics_report(
        period=form.chosen_period(),
        now=timezone.now(),
        with_breakdowns=bool(context["has_advanced_reports"]),
        area_grouping=area_grouping_for(tenant.country),
    )
    context.update(report=report, largest=_largest(report))
    return backoffice_render(request, "backoffice/statistics/statistics.html", context)
