"""The tenant admin's billing pages (tenant host) and Stripe's webhook (public host).

Views parse, authorise, call one service or selector and present. The tenant always comes from
the request's host (never from a parameter), so a tenant's page and portal link can only ever be
its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from billing import selectors, services, stripe_client
from billing.errors import BillingError, BillingErrorCode
from billing.plans import Interval
from tenants.middleware import TenantRequest, request_is_public

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def tenant_admin_required(view: View) -> View:
    """Anonymous → sign-in page; signed-in non-admin → 403; only on tenant hosts."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request_is_public(request):
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not getattr(request.user, "is_tenant_admin", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _stripe_locale(request: HttpRequest) -> str:
    language = (getattr(request, "LANGUAGE_CODE", "") or "").lower()
    if language == "fr-ca":
        return "fr-CA"
    return language if language in {"fr", "en"} else "auto"


class CheckoutForm(forms.Form):
    plan = forms.CharField(max_length=40)
    interval = forms.ChoiceField(choices=[(i.value, i.value) for i in Interval])


@require_GET
@tenant_admin_required
def billing_page(request: TenantRequest) -> HttpResponse:
    overview = selectors.billing_overview(tenant=request.tenant)
    return render(request, "billing/page.html", {"overview": overview, "intervals": Interval})


@require_POST
@tenant_admin_required
def checkout(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a plan and a billing period."))
        return HttpResponseRedirect(reverse("billing:page"))
    try:
        url = services.checkout_start(
            tenant=tenant,
            plan_code=form.cleaned_data["plan"],
            interval=form.cleaned_data["interval"],
            success_url=request.build_absolute_uri(reverse("billing:return"))
            + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=request.build_absolute_uri(reverse("billing:page")),
            actor_user_id=request.user.pk,
            locale=_stripe_locale(request),
        )
    except BillingError as error:
        messages.error(request, str(error.detail))
        return HttpResponseRedirect(reverse("billing:page"))
    return HttpResponseRedirect(url, status=303)


@require_GET
@tenant_admin_required
def checkout_return(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    try:
        result = services.checkout_return(
            tenant=tenant, session_id=request.GET.get("session_id", "")
        )
    except BillingError as error:
        if error.code == BillingErrorCode.CHECKOUT_SESSION_UNKNOWN:
            raise Http404 from None
        messages.error(request, str(error.detail))
        return HttpResponseRedirect(reverse("billing:page"))
    return render(
        request,
        "billing/return.html",
        {"state": result.tenant.billing_state, "confirmed": result.applied},
    )


@require_POST
@tenant_admin_required
def portal(request: TenantRequest) -> HttpResponse:
    try:
        url = services.portal_session_create(
            tenant=request.tenant,
            return_url=request.build_absolute_uri(reverse("billing:page")),
            actor_user_id=request.user.pk,
            locale=_stripe_locale(request),
        )
    except BillingError as error:
        messages.error(request, str(error.detail))
        return HttpResponseRedirect(reverse("billing:page"))
    return HttpResponseRedirect(url, status=303)


def _error(detail: str, code: BillingErrorCode, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code.value, "fields": {}}, status=status)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe → us. Verified before anything is stored; processed in the background."""
    if not request_is_public(request):
        raise Http404
    # Stripe sends JSON. A form body was already parsed (and its raw bytes consumed) by the
    # request-input guard, and is no event anyway.
    if request.content_type != "application/json":
        logger.warning(
            "billing.webhook.payload_invalid", extra={"content_type": request.content_type}
        )
        return _error("Invalid payload.", BillingErrorCode.PAYLOAD_INVALID, 400)
    try:
        event = stripe_client.webhook_event_construct(
            request.body, request.headers.get("Stripe-Signature")
        )
    except stripe_client.WebhookSignatureInvalid:
        logger.warning("billing.webhook.signature_invalid")
        return _error("Invalid signature.", BillingErrorCode.SIGNATURE_INVALID, 400)
    except stripe_client.WebhookPayloadInvalid:
        logger.warning("billing.webhook.payload_invalid")
        return _error("Invalid payload.", BillingErrorCode.PAYLOAD_INVALID, 400)
    record, created = services.stripe_event_receive(event=event)
    return JsonResponse({"received": True, "duplicate": not created})


__all__ = ["billing_page", "checkout", "checkout_return", "portal", "stripe_webhook"]
