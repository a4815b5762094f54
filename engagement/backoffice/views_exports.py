"""Back-office exports (tenant admins only): ask for an export, follow it, download it.

- `/gestion/exports/`: the form and the admin's recent exports. A refused request shows the
  form again with its errors: 400 bad input, 403 a format the plan lacks, 429 an export of
  this admin still being written.
- `/gestion/exports/<id>/`: the job's page. While the file is written it polls itself with htmx
  (its status fragment every 2 s) and, without JavaScript, reloads every 5 s (a meta refresh in
  <noscript>) and offers a "Refresh" link; once done it shows the download link.
- `/gestion/exports/telechargement/<token>/`: the file, through a signed link bound to the
  tenant and to the admin who asked (tenants/signing.py, kind `export_download`); 404 for a
  link that is not theirs or not of this tenant, 410 once its time is up.

Only the admin who asked for an export sees it and downloads it: exports hold personal data,
another admin asks for their own (and the audit trail names each).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import id_or_404
from accounts.requests import SignedInRequest
from engagement.backoffice.access import backoffice_page
from engagement.backoffice.export_files import CONTENT_TYPES
from engagement.backoffice.forms_exports import ExportRequestForm
from engagement.backoffice.models import ExportJob
from engagement.backoffice.rendering import backoffice_render
from engagement.backoffice.selectors_exports import (
    export_job_get_for_requester,
    export_jobs_for_requester,
)
from engagement.backoffice.services_exports import (
    ExportLinkExpired,
    ExportLinkInvalid,
    export_download_claim,
    export_download_token,
    export_formats_allowed,
    export_job_download,
    export_job_download_url,
    export_request,
)
from engagement.errors import EngagementError
from engagement.organization_pages import show_service_error

# How often the job's page asks again while the file is written: htmx, and without JavaScript.
POLL_SECONDS = 2
RELOAD_SECONDS = 5


def _link_hours() -> int:
    return max(1, settings.BACKOFFICE_EXPORT_LINK_SECONDS // 3600)


def _initial_period() -> dict[str, date]:
    """From the first of January to today (the tenant's calendar)."""
    today = timezone.localdate()
    return {"start": today.replace(month=1, day=1), "end": today}


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def exports(request: SignedInRequest) -> HttpResponse:
    formats_allowed = export_formats_allowed(request.tenant)
    status = 200
    if request.method == "POST":
        form = ExportRequestForm(request.POST, formats_allowed=formats_allowed)
        status = 400
        if form.is_valid():
            try:
                job = export_request(
                    tenant=request.tenant,
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    file_format=form.cleaned_data["format"],
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    language=translation.get_language() or request.tenant.default_language,
                )
            except EngagementError as error:
                show_service_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Your export is being prepared."))
                return redirect("backoffice:export-job", export_job_id=job.pk)
    else:
        initial = {**_initial_period(), "kind": ExportJob.Kind.PARTICIPATIONS, "format": "csv"}
        form = ExportRequestForm(initial=initial, formats_allowed=formats_allowed)
    context = {
        "form": form,
        "formats_allowed": formats_allowed,
        "link_hours": _link_hours(),
        "jobs": export_jobs_for_requester(user=request.user),
    }
    return backoffice_render(request, "backoffice/exports/list.html", context, status=status)


def _job_context(job: ExportJob) -> dict[str, object]:
    now = timezone.now()
    downloadable = job.is_downloadable(now)
    return {
        "job": job,
        "is_expired": job.status == ExportJob.Status.EXPIRED
        or (job.status == ExportJob.Status.DONE and not downloadable),
        "download_url": reverse(
            "backoffice:export-download", kwargs={"token": export_download_token(job=job)}
        )
        if downloadable
        else "",
        "poll_seconds": POLL_SECONDS,
        "reload_seconds": RELOAD_SECONDS,
    }


@require_GET
@backoffice_page(admins_only=True)
def export_job(request: SignedInRequest, export_job_id: int) -> HttpResponse:
    job = export_job_get_for_requester(
        job_id=id_or_404(export_job_id),
        user=request.user,
    )
    context = _job_context(job)
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "backoffice/exports/_status.html", context)
    else:
        response = backoffice_render(request, "backoffice/exports/job.html", context)
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "private, no-store"
    return response


def _expired(request: HttpRequest) -> HttpResponse:
    return backoffice_render(
        request, "backoffice/exports/expired.html", {"link_hours": _link_hours()}, status=410
    )


@require_GET
@backoffice_page(admins_only=True)
def export_download(request: SignedInRequest, token: str) -> HttpResponse:
    try:
        claim = export_download_claim(token=token)
    except ExportLinkInvalid:
        raise Http404 from None
    except ExportLinkExpired:
        return _expired(request)
    if claim.user_id != request.user.pk:
        raise Http404
    job = export_job_get_for_requester(job_id=claim.job_id, user=request.user)
    try:
        # On the object store: a redirect to a short-lived signed URL of the object.
        signed_url = export_job_download_url(job=job, actor=request.user)
        if signed_url is not None:
            response = HttpResponseRedirect(signed_url)
            response["Cache-Control"] = "private, no-store"
            response["Referrer-Policy"] = "no-referrer"
            return response
        file = export_job_download(job=job, actor=request.user)
    except ExportLinkExpired:
        return _expired(request)
    response = FileResponse(
        file,
        as_attachment=True,
        filename=job.download_name(),
        content_type=CONTENT_TYPES[ExportJob.Format(job.format)],
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
