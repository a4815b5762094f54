"""The audit log (/gestion/journal/, tenant admins only): who did what, when and from where,
filtered by person, type and dates, a page at a time, and exported as CSV (itself audited)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import SignedInRequest
from engagement.backoffice.access import backoffice_page
from engagement.backoffice.audit_log import action_label, target_label
from engagement.backoffice.forms_audit_log import AuditLogFilterForm
from engagement.backoffice.rendering import backoffice_render
from tenants.audit.models import AuditEvent
from tenants.audit.selectors import AuditFilters, audit_event_batches, audit_event_list
from tenants.audit.services import audit_log_exported
from tenants.context import tenant_context

TEMPLATE = "backoffice/audit_log/index.html"
PAGE_SIZE = 50
# Events counted at most: beyond, the page says "more than" and the filters narrow it down
# (counting every row of a large trail costs more than showing a page of it).
COUNT_CAP = 10_000
# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class CappedPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        # Without ordering or joined columns, an index can answer it.
        return self.object_list.order_by().values("pk")[: COUNT_CAP + 1].count()


@require_GET
@backoffice_page(admins_only=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditLogFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return _invalid(request, form)
    filters = form.filters() if form.is_bound else AuditFilters()
    paginator = CappedPaginator(audit_event_list(filters=filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    events = [_row(event) for event in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "retention_days": settings.AUDIT_RETENTION_DAYS,
        "page": page,
        "count_cap": COUNT_CAP,
        "beyond_cap": paginator.count > COUNT_CAP,
        "events": events,
        "query": query.urlencode(),
        "filters": form.applied() if form.is_bound else {},
    }
    return backoffice_render(request, TEMPLATE, context)


def _invalid(request: HttpRequest, form: AuditLogFilterForm) -> HttpResponse:
    context = {"form": form, "retention_days": settings.AUDIT_RETENTION_DAYS, "page": None}
    return backoffice_render(request, TEMPLATE, context, status=400)


def _row(event: AuditEvent) -> dict[str, Any]:
    return {
        "event": event,
        "label": action_label(event.action),
        "target": target_label(event.target_type),
        "data": json.dumps(event.data, ensure_ascii=False, sort_keys=True, indent=1)
        if event.data
        else "",
    }


@require_POST
@backoffice_page(admins_only=True)
def audit_log_export(request: SignedInRequest) -> HttpResponse:
    """The filtered events as CSV, streamed; the export is recorded before the first byte."""
    form = AuditLogFilterForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form)
    filters = form.filters()
    audit_log_exported(actor=request.user, filters=form.applied())
    tenant = request.tenant  # type: ignore[attr-defined]
    rows = _csv_rows(
        tenant,
        filters,
        zone=ZoneInfo(tenant.timezone),
        language=translation.get_language(),
    )
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-{tenant.slug}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


class _Line:
    """csv.writer's file: hands back each line it writes."""

    def write(self, value: str) -> str:
        return value


def _csv_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_PREFIXES) else text


def _csv_rows(
    tenant: Any, filters: AuditFilters, *, zone: ZoneInfo, language: str
) -> Iterator[str]:
    """The CSV, a line at a time. Runs while the response is sent, after the request's
    middleware has put the connection back on the public schema: it enters the tenant (and its
    language) again itself, and reads in batches (no cursor held across yields)."""
    writer = csv.writer(_Line())
    # A byte-order mark so spreadsheet programs read the accents as UTF-8.
    yield "\ufeff"
    with translation.override(language):
        yield writer.writerow(
            [
                _("Date"),
                _("E-mail"),
                _("Name"),
                _("Action"),
                _("Description"),
                _("Object"),
                _("Object ID"),
                _("IP address"),
                _("Browser"),
                _("Details"),
            ]
        )
        with tenant_context(tenant):
            for batch in audit_event_batches(filters=filters):
                lines = []
                for event in batch:
                    actor = event.actor
                    lines.append(
                        writer.writerow(
                            [
                                _csv_safe(event.created_at.astimezone(zone).isoformat()),
                                _csv_safe(actor.email if actor else ""),
                                _csv_safe(actor.get_full_name() if actor else ""),
                                _csv_safe(event.action),
                                _csv_safe(action_label(event.action)),
                                _csv_safe(event.target_type),
                                _csv_safe(event.target_id),
                                _csv_safe(event.ip or ""),
                                _csv_safe(event.user_agent),
                                _csv_safe(
                                    json.dumps(event.data, ensure_ascii=False, sort_keys=True)
                                    if event.data
                                    else ""
                                ),
                            ]
                        )
                    )
                yield "".join(lines)
