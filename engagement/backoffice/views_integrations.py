"""Integrations (/gestion/integrations/, tenant admins only): the tenant's API tokens (create
with a scope and an expiry, shown once; revoke; last use), and the way to the sign-in (SSO) and
subscription pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.api_tokens.selectors import api_token_get, api_token_list
from accounts.api_tokens.services import api_token_create, api_token_revoke
from accounts.errors import AccountsError
from engagement.backoffice.access import backoffice_page
from engagement.backoffice.forms_integrations import ApiTokenCreateForm
from engagement.backoffice.rendering import backoffice_render

TEMPLATE = "backoffice/integrations/index.html"


def _render(request: HttpRequest, form: ApiTokenCreateForm, *, status: int = 200) -> HttpResponse:
    tokens = list(api_token_list())
    context = {
        "form": form,
        "tokens": tokens,
        "is_city": request.tenant.kind == "city",
        "api_base": request.build_absolute_uri("/api/v1/"),
    }
    return backoffice_render(request, TEMPLATE, context, status=status)


@require_GET
@backoffice_page(admins_only=True)
def integrations(request: HttpRequest) -> HttpResponse:
    return _render(request, ApiTokenCreateForm())


@never_cache
@require_POST
@backoffice_page(admins_only=True)
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a token and show it, once, in the answer to this POST (never stored, never sent
    again: the page is not cached and the next visit shows only its last characters)."""
    form = ApiTokenCreateForm(request.POST)
    if form.is_valid():
        try:
            created = api_token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except AccountsError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            context = {"token": created.token, "secret": created.secret}
            return backoffice_render(request, "backoffice/integrations/created.html", context)
    return _render(request, form, status=400)


@require_POST
@backoffice_page(admins_only=True)
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = api_token_get(token_id=token_id)
    try:
        api_token_revoke(actor=request.user, token=token)
    except AccountsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return HttpResponseRedirect(reverse("backoffice:integrations"))
