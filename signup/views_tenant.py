"""The new instance's side of sign-up: `/accounts/bienvenue/<token>/` signs the first admin in
(once, with the token the progress page handed over) and opens the welcome wizard."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from accounts.sign_ins import user_sign_in_by_email_link
from signup import services
from tenants.middleware import TenantRequest


@require_GET
def signup_handoff(request: TenantRequest, token: str) -> HttpResponse:
    try:
        user_id = services.signup_handoff_consume(tenant=request.tenant, token=token)
    except services.SignupLinkInvalid:
        raise Http404 from None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise Http404
    user_sign_in_by_email_link(request, user=user, via="signup_handoff")
    response = redirect(services.WELCOME_PATH)
    response["Cache-Control"] = "private, no-store"
    return response
