"""Declared hours in the back office (/gestion/heures-declarees/, tenant admins): every pending
declaration of the site, those for an organization of this site as well as those naming one
from outside, to confirm or refuse with a reason."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from engagement.backoffice.access import backoffice_page
from engagement.backoffice.rendering import backoffice_render
from engagement.worktime.access import declaration_get_for_tenant_admin
from engagement.worktime.forms import ReasonForm
from engagement.worktime.selectors import pending_declarations
from engagement.worktime.views_organization import decide_declaration

DECLARATIONS_SHOWN = 200


@require_GET
@backoffice_page(admins_only=True)
def declarations(request: HttpRequest) -> HttpResponse:
    return backoffice_render(
        request,
        "worktime/backoffice_declarations.html",
        {
            "declarations": list(pending_declarations()[:DECLARATIONS_SHOWN]),
            "reason_form": ReasonForm(),
        },
    )


@require_POST
@backoffice_page(admins_only=True)
def declaration_confirm(request: HttpRequest, declaration_id: int) -> HttpResponse:
    declaration = declaration_get_for_tenant_admin(declaration_id=declaration_id)
    decide_declaration(request, declaration, confirm=True)  # type: ignore[arg-type]
    return redirect("backoffice:declarations")


@require_POST
@backoffice_page(admins_only=True)
def declaration_refuse(request: HttpRequest, declaration_id: int) -> HttpResponse:
    declaration = declaration_get_for_tenant_admin(declaration_id=declaration_id)
    decide_declaration(request, declaration, confirm=False)  # type: ignore[arg-type]
    return redirect("backoffice:declarations")
