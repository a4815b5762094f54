"""A company's pages of the cities' shared missions: the list (with the employee's own
participations), joining a date and cancelling. Only on company tenants (a city answers 404);
signed-in members only. Every write goes through engagement.sharing.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import SignedInRequest
from engagement.errors import EngagementError
from engagement.sharing import selectors, services
from engagement.sharing.forms import SharedJoinForm, SharedParticipationCancelForm
from tenants.models import Tenant

PAGE_SIZE = 20


def _company_only(request: HttpRequest) -> None:
    if request.tenant.kind != Tenant.Kind.COMPANY:
        raise Http404


@login_required
@require_GET
def shared_missions(request: SignedInRequest) -> HttpResponse:
    _company_only(request)
    q = request.GET.get("q", "")[:100]
    page = Paginator(selectors.shared_mission_list(q=q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    participations = list(selectors.my_shared_participations(user=request.user)[:50])
    return render(
        request,
        "sharing/shared_missions.html",
        {"page": page, "q": q, "participations": participations},
    )


@login_required
@require_POST
def shared_mission_join(request: SignedInRequest) -> HttpResponse:
    _company_only(request)
    form = SharedJoinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of this mission's dates."))
        return redirect("shared-missions")
    shared_mission = selectors.shared_mission_get(
        shared_mission_id=form.cleaned_data["shared_mission"]
    )
    if shared_mission is None:
        raise Http404
    try:
        shared = services.shared_participation_join(
            volunteer=request.user,
            shared_mission=shared_mission,
            slot_id=form.cleaned_data["slot"],
        )
    except EngagementError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("You are registered with %(city)s: %(status)s.")
            % {"city": shared.city_name, "status": shared.get_status_display()},
        )
    return redirect("shared-missions")


@login_required
@require_POST
def shared_participation_cancel(request: SignedInRequest) -> HttpResponse:
    _company_only(request)
    form = SharedParticipationCancelForm(request.POST)
    shared = (
        selectors.my_shared_participation_get(
            user=request.user, shared_participation_id=form.cleaned_data["participation"]
        )
        if form.is_valid()
        else None
    )
    if shared is None:
        raise Http404
    try:
        services.shared_participation_cancel(volunteer=request.user, shared_participation=shared)
    except EngagementError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Your participation is cancelled."))
    return redirect("shared-missions")
