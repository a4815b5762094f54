"""The back office's "Company directory (SCIM)" page (/gestion/annuaire/, tenant admins of a
company only): the SCIM base URL, the token (made and shown once, rotated, revoked; its last use),
and what the directory has provisioned so far."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from engagement.backoffice.access import backoffice_page
from engagement.backoffice.rendering import backoffice_render
from engagement.directory.errors import DirectoryError
from engagement.directory.scim_views import BASE_PATH
from engagement.directory.selectors import (
    directory_counts,
    directory_token_history,
    directory_token_working,
)
from engagement.directory.services import directory_token_create, directory_token_revoke


def _require_company(request: HttpRequest) -> None:
    # A city has no company directory: the page does not exist there (nor does /scim/v2/).
    if getattr(request.tenant, "kind", None) != "company":
        raise Http404


@require_GET
@backoffice_page(admins_only=True)
def directory_page(request: HttpRequest) -> HttpResponse:
    _require_company(request)
    context = {
        "scim_base": request.build_absolute_uri(BASE_PATH),
        "token": directory_token_working(),
        "history": directory_token_history(),
        "counts": directory_counts(),
    }
    return backoffice_render(request, "directory/backoffice.html", context)


@never_cache
@require_POST
@backoffice_page(admins_only=True)
def directory_token_new(request: HttpRequest) -> HttpResponse:
    """Make a token (the working one, if any, stops working) and show it once, in the answer to
    this POST: never stored, never shown again."""
    _require_company(request)
    try:
        created = directory_token_create(actor=request.user)
    except DirectoryError as error:
        messages.error(request, error.detail)
        return HttpResponseRedirect(reverse("backoffice:directory"))
    context = {
        "token": created.token,
        "secret": created.secret,
        "scim_base": request.build_absolute_uri(BASE_PATH),
    }
    return backoffice_render(request, "directory/token_created.html", context)


@require_POST
@backoffice_page(admins_only=True)
def directory_token_end(request: HttpRequest) -> HttpResponse:
    _require_company(request)
    try:
        revoked = directory_token_revoke(actor=request.user)
    except DirectoryError as error:
        messages.error(request, error.detail)
    else:
        if revoked is not None:
            messages.success(
                request, _("The directory's token no longer works: provisioning is stopped.")
            )
    return HttpResponseRedirect(reverse("backoffice:directory"))
