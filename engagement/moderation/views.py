"""The moderation queue of tenant admins and moderators: organizations to verify, missions to
publish or send back with a note."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import SignedInRequest
from engagement.backoffice.rendering import backoffice_render
from engagement.missions.access import mission_get_for_viewer
from engagement.missions.selectors import mission_list_for_moderation
from engagement.missions.services import mission_publish, mission_reject
from engagement.moderation.forms import ModerationDecisionForm
from engagement.organization_pages import require_moderator, run_action
from engagement.organizations.access import organization_get_for_moderator
from engagement.organizations.selectors import organization_list_for_moderation
from engagement.organizations.services import organization_verify


@login_required
@require_GET
def moderation_queue(request: HttpRequest) -> HttpResponse:
    require_moderator(request)
    return backoffice_render(
        request,
        "moderation/queue.html",
        {
            "organizations": organization_list_for_moderation(),
            "missions": mission_list_for_moderation(),
            "form": ModerationDecisionForm(),
        },
    )


@login_required
@require_POST
def moderation_organization(request: SignedInRequest, organization_id: int) -> HttpResponse:
    require_moderator(request)
    organization = organization_get_for_moderator(
        organization_id=organization_id, user=request.user
    )
    form = ModerationDecisionForm(request.POST, auto_id=f"organization-{organization.pk}-%s")
    if not form.is_valid():
        return _moderation_form_error(request, form, organization_id=organization.pk)
    approve = form.is_approval
    run_action(
        request,
        lambda: organization_verify(
            organization=organization,
            actor=request.user,
            approve=approve,
            note=form.cleaned_data["note"],
        ),
        (_("%(name)s is verified.") if approve else _("%(name)s is rejected."))
        % {"name": organization.name},
    )
    return redirect("engagement:moderation-queue")


@login_required
@require_POST
def moderation_mission(request: SignedInRequest, mission_id: int) -> HttpResponse:
    require_moderator(request)
    mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
    form = ModerationDecisionForm(request.POST, auto_id=f"mission-{mission.pk}-%s")
    if not form.is_valid():
        return _moderation_form_error(request, form, mission_id=mission.pk)
    if form.is_approval:
        action = lambda: mission_publish(mission=mission, actor=request.user)  # noqa: E731
        success = _("“%(title)s” is published.")
    else:
        note = form.cleaned_data["note"]
        action = lambda: mission_reject(  # noqa: E731
            mission=mission, actor=request.user, note=note
        )
        success = _("“%(title)s” is sent back to its organization.")
    run_action(request, action, success % {"title": mission.title})
    return redirect("engagement:moderation-queue")


def _moderation_form_error(
    request: HttpRequest, form: ModerationDecisionForm, **target: int
) -> HttpResponse:
    """A rejection without a note: show the queue again with the error next to that item."""
    return backoffice_render(
        request,
        "moderation/queue.html",
        {
            "organizations": organization_list_for_moderation(),
            "missions": mission_list_for_moderation(),
            "form": ModerationDecisionForm(),
            "failed_form": form,
            "failed_organization_id": target.get("organization_id"),
            "failed_mission_id": target.get("mission_id"),
        },
        status=400,
    )
