"""The platform console (`/console/` on the public host): tenants, their usage and lifecycle,
archives, jobs and the audit; and the staff's second factor. Thin views: reads through
console.selectors, writes through tenants.lifecycle / tenants.usage, which audit them."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console.access import console_password_only, console_staff_required, safe_next
from console.forms import ConfirmSlugForm, RestoreForm, SuspendForm, TenantFilterForm, TotpForm
from console.selectors import (
    TenantFilters,
    console_archive_get,
    console_archive_job_get,
    console_archive_list,
    console_audit_list,
    console_restore_job_get,
    console_tenant_get,
    console_tenant_list,
)
from tenants.errors import ProvisioningError
from tenants.lifecycle import (
    restore_job_request,
    tenant_archive_request,
    tenant_reactivate,
    tenant_suspend,
)
from tenants.models import DeprovisionJob, PlatformAuditEntry, RestoreJob
from tenants.platform_staff import confirmed_device, pending_device, pending_device_confirm
from tenants.usage import usage_refresh_requested

PAGE_SIZE = 50
CONSOLE = PlatformAuditEntry.Source.CONSOLE


@require_GET
@console_staff_required
def tenant_list(request: HttpRequest) -> HttpResponse:
    form = TenantFilterForm(request.GET or None)
    filters = TenantFilters()
    if form.is_valid():
        filters = TenantFilters(**form.cleaned_data)
    page = Paginator(console_tenant_list(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/tenant_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_GET
@console_staff_required
def tenant_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = console_tenant_get(slug=slug)
    if tenant is None:
        raise Http404
    return render(
        request,
        "console/tenant_detail.html",
        {
            "tenant": tenant,
            "usage": getattr(tenant, "usage", None),
            "suspend_form": SuspendForm(),
            "audit": console_audit_list(tenant_slug=slug)[:20],
        },
    )


@require_POST
@console_staff_required
def tenant_suspend_view(request: HttpRequest, slug: str) -> HttpResponse:
    form = SuspendForm(request.POST)
    tenant = console_tenant_get(slug=slug)
    if tenant is None:
        raise Http404
    if not form.is_valid():
        return render(
            request,
            "console/tenant_detail.html",
            {
                "tenant": tenant,
                "usage": getattr(tenant, "usage", None),
                "suspend_form": form,
                "audit": console_audit_list(tenant_slug=slug)[:20],
            },
            status=400,
        )
    try:
        _tenant, changed = tenant_suspend(
            slug=slug, reason=form.cleaned_data["reason"], actor=request.user, source=CONSOLE
        )
    except ProvisioningError as error:
        messages.error(request, error.message)
        return redirect("console:tenant", slug=slug)
    if changed:
        messages.success(request, _("The instance is suspended."))
    else:
        messages.info(request, _("The instance was already suspended."))
    return redirect("console:tenant", slug=slug)


@require_POST
@console_staff_required
def tenant_reactivate_view(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        _tenant, changed = tenant_reactivate(slug=slug, actor=request.user, source=CONSOLE)
    except ProvisioningError as error:
        if error.code == "tenant_not_found":
            raise Http404 from None
        messages.error(request, error.message)
        return redirect("console:tenant", slug=slug)
    if changed:
        messages.success(request, _("The instance is active again."))
    else:
        messages.info(request, _("The instance was already active."))
    return redirect("console:tenant", slug=slug)


@require_http_methods(["GET", "POST"])
@console_staff_required
def tenant_archive_view(request: HttpRequest, slug: str) -> HttpResponse:
    """A confirmation page (type the slug), then the job."""
    tenant = console_tenant_get(slug=slug)
    if tenant is None:
        raise Http404
    form = ConfirmSlugForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm_slug"].strip() != slug:
            form.add_error("confirm_slug", _("This is not the tenant's address."))
        else:
            try:
                job = tenant_archive_request(slug=slug, actor=request.user, source=CONSOLE)
            except ProvisioningError as error:
                form.add_error(None, error.message)
            else:
                return redirect("console:archive-job", job_id=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "console/tenant_archive.html", {"tenant": tenant, "form": form}, status=status
    )


@require_POST
@console_staff_required
def tenant_usage_refresh_view(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = console_tenant_get(slug=slug)
    if tenant is None:
        raise Http404
    usage_refresh_requested(tenant=tenant, actor=request.user, source=CONSOLE)
    messages.success(request, _("Usage measured again."))
    return redirect("console:tenant", slug=slug)


@require_GET
@console_staff_required
def archive_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = console_archive_job_get(job_id=job_id)
    if job is None:
        raise Http404
    running = job.status in {DeprovisionJob.Status.QUEUED, DeprovisionJob.Status.RUNNING}
    return render(request, "console/job.html", {"job": job, "kind": "archive", "running": running})


@require_GET
@console_staff_required
def restore_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = console_restore_job_get(job_id=job_id)
    if job is None:
        raise Http404
    running = job.status in {RestoreJob.Status.QUEUED, RestoreJob.Status.RUNNING}
    return render(request, "console/job.html", {"job": job, "kind": "restore", "running": running})


@require_GET
@console_staff_required
def archive_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(console_archive_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "console/archive_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@console_staff_required
def archive_restore(request: HttpRequest, archive_id: int) -> HttpResponse:
    archive = console_archive_get(archive_id=archive_id)
    if archive is None:
        raise Http404
    form = RestoreForm(request.POST or None, initial={"target_slug": archive.tenant_slug})
    if request.method == "POST" and form.is_valid():
        try:
            job = restore_job_request(
                archive_id=archive.pk,
                target_slug=form.cleaned_data["target_slug"],
                actor=request.user,
                source=CONSOLE,
            )
        except ProvisioningError as error:
            form.add_error("target_slug" if error.field == "slug" else None, error.message)
        else:
            return redirect("console:restore-job", job_id=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "console/archive_restore.html", {"archive": archive, "form": form}, status=status
    )


@require_GET
@console_staff_required
def audit_list(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("tenant", "")[:40]
    page = Paginator(console_audit_list(tenant_slug=slug), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "console/audit_list.html", {"page": page, "tenant_slug": slug})


# --- second factor ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@console_password_only
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """A staff member without a device creates one: scan the QR code, type a code."""
    next_url = safe_next(request, reverse("console:tenants"))
    if confirmed_device(request.user) is not None:
        return redirect(f"{reverse('console:mfa-verify')}?{urlencode({'next': next_url})}")
    if request.method == "POST":
        device = pending_device(request.user, create=False)
        if device is None:  # no enrolment under way: start one (nothing written on a POST)
            return redirect(f"{reverse('console:mfa-enrol')}?{urlencode({'next': next_url})}")
    else:
        device = pending_device(request.user)
    assert device is not None
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["otp_token"]
        if pending_device_confirm(user=request.user, device=device, token=token, source=CONSOLE):
            django_otp.login(request, device)
            return redirect(next_url)
        form.add_error("otp_token", _("This code is not valid. Check your app's clock and retry."))
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "console/mfa_enrol.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(scale=5, dark="#111", light="#fff"),
            "secret": b32encode(device.bin_key).decode(),
            "next": next_url,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@console_password_only
def mfa_verify(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, reverse("console:tenants"))
    device = confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('console:mfa-enrol')}?{urlencode({'next': next_url})}")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"].strip()):
            django_otp.login(request, device)
            return redirect(next_url)
        form.add_error("otp_token", _("This code is not valid (or was already used)."))
    return render(
        request,
        "console/mfa_verify.html",
        {"form": form, "next": next_url},
        status=400 if request.method == "POST" else 200,
    )
