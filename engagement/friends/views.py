"""The friends pages: /amis/ (friends, requests, invitations, privacy), an invitation link's
page, "find my friends" with Facebook, recommending a mission, and /notifications/.

Every page works without JavaScript: each action is a small POST form that comes back to the
page it was sent from with a message.
"""

from __future__ import annotations

import secrets
from typing import Any

import segno
from allauth.socialaccount.models import SocialApp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.requests import SignedInRequest
from engagement.errors import EngagementError
from engagement.friends import facebook, selectors, services
from engagement.friends.forms import InviteByEmailForm, PrivacyForm, RecommendForm
from engagement.inbox.selectors import notification_list
from engagement.inbox.services import notifications_mark_read
from engagement.missions.access import mission_get_for_viewer

NOTIFICATIONS_SHOWN = 100


def _invitation_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("friend-invitation", args=[token]))


def _qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (segno writes no script, only paths)."""
    return segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=True)


def _friends_context(request: SignedInRequest, **forms: Any) -> dict[str, Any]:
    user = request.user
    link = selectors.invitation_link_current(user=user)
    link_url = _invitation_url(request, link.token) if link is not None else ""
    return {
        "friends": selectors.friend_list(user=user),
        "received": selectors.requests_received(user=user),
        "sent": selectors.requests_sent(user=user),
        "blocked": selectors.blocked_list(user=user),
        "link": link,
        "link_url": link_url,
        "link_qr": mark_safe(_qr_svg(link_url)) if link_url else "",  # noqa: S308 - segno's SVG
        "invite_form": forms.get("invite_form") or InviteByEmailForm(),
        "facebook_available": facebook.facebook_app() is not None,
        "privacy_form": forms.get("privacy_form")
        or PrivacyForm(
            initial={
                "friends_see_participations": selectors.participations_visible_to_friends(user.pk)
            }
        ),
    }


@login_required
@require_GET
def friends(request: SignedInRequest) -> HttpResponse:
    return render(request, "friends/friends.html", _friends_context(request))


@login_required
@require_POST
def friend_invite(request: SignedInRequest) -> HttpResponse:
    form = InviteByEmailForm(request.POST)
    if form.is_valid():
        try:
            services.friend_invite_by_email(inviter=request.user, email=form.cleaned_data["email"])
        except EngagementError as error:
            form.add_error("email" if error.fields else None, error.detail)
        else:
            messages.success(request, _("Your invitation is on its way."))
            return redirect("friends")
    return render(
        request, "friends/friends.html", _friends_context(request, invite_form=form), status=400
    )


@login_required
@require_POST
def friend_link_new(request: SignedInRequest) -> HttpResponse:
    try:
        services.friend_link_create(inviter=request.user)
    except EngagementError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Here is a new link to share."))
    return redirect(reverse("friends") + "#my-link")


@login_required
@require_POST
def friend_privacy(request: SignedInRequest) -> HttpResponse:
    form = PrivacyForm(request.POST)
    form.is_valid()
    visible = bool(form.cleaned_data.get("friends_see_participations"))
    services.friends_privacy_set(user=request.user, friends_see_participations=visible)
    messages.success(
        request,
        _("Your friends see the missions you join.")
        if visible
        else _("Your friends no longer see the missions you join."),
    )
    return redirect("friends")


def _action(request: SignedInRequest, user_id: int, action: str) -> HttpResponse:
    user = request.user
    try:
        if action == "accept":
            services.friend_request_answer(user=user, requester_id=user_id, accept=True)
            messages.success(request, _("You are now friends."))
        elif action == "decline":
            services.friend_request_answer(user=user, requester_id=user_id, accept=False)
            messages.success(request, _("The request was declined."))
        elif action == "remove":
            services.friend_remove(user=user, other_id=user_id)
            messages.success(request, _("This person is no longer in your friends."))
        elif action == "block":
            services.friend_block(user=user, other_id=user_id)
            messages.success(request, _("This person is blocked: you no longer see each other."))
        else:
            services.friend_unblock(user=user, other_id=user_id)
            messages.success(request, _("This person is no longer blocked."))
    except EngagementError as error:
        messages.error(request, error.detail)
        response = render(request, "friends/friends.html", _friends_context(request))
        response.status_code = error.status_code
        return response
    return redirect("friends")


@login_required
@require_POST
def friend_accept(request: SignedInRequest, user_id: int) -> HttpResponse:
    return _action(request, user_id, "accept")


@login_required
@require_POST
def friend_decline(request: SignedInRequest, user_id: int) -> HttpResponse:
    return _action(request, user_id, "decline")


@login_required
@require_POST
def friend_remove(request: SignedInRequest, user_id: int) -> HttpResponse:
    return _action(request, user_id, "remove")


@login_required
@require_POST
def friend_block(request: SignedInRequest, user_id: int) -> HttpResponse:
    return _action(request, user_id, "block")


@login_required
@require_POST
def friend_unblock(request: SignedInRequest, user_id: int) -> HttpResponse:
    return _action(request, user_id, "unblock")


# --- An invitation link -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def friend_invitation(request: SignedInRequest, token: str) -> HttpResponse:
    """Signed out, login_required sends the person to sign in (or sign up) and back here."""
    if request.method == "POST":
        accept = request.POST.get("answer") == "accept"
        try:
            if accept:
                services.friend_invitation_accept(token=token, user=request.user)
            else:
                services.friend_invitation_decline(token=token, user=request.user)
        except EngagementError as error:
            return render(
                request,
                "friends/invitation.html",
                {"error": error.detail},
                status=error.status_code,
            )
        messages.success(
            request, _("You are now friends.") if accept else _("The invitation was declined.")
        )
        return redirect("friends")
    try:
        invitation = services.friend_invitation_check(token=token, user=request.user)
    except EngagementError as error:
        return render(
            request, "friends/invitation.html", {"error": error.detail}, status=error.status_code
        )
    return render(
        request,
        "friends/invitation.html",
        {"invitation": invitation, "inviter": selectors.person_of(invitation.inviter)},
    )


# --- Recommending a mission ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mission_recommend(request: SignedInRequest, mission_id: int) -> HttpResponse:
    mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
    people = selectors.friend_list(user=request.user)
    form = RecommendForm(request.POST or None, friends=people)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                sent = services.mission_recommend(
                    sender=request.user,
                    mission=mission,
                    recipient_ids=form.cleaned_data["recipient_ids"],
                )
            except EngagementError as error:
                form.add_error("recipient_ids" if error.fields else None, error.detail)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _("Your recommendation was sent to %(count)d friend(s).")
                    % {"count": len(sent)},
                )
                return redirect("mission-detail", mission_id=mission.pk)
    return render(
        request,
        "friends/recommend.html",
        {"mission": mission, "form": form, "friends": people},
        status=status,
    )


# --- Notifications ------------------------------------------------------------------------------


@login_required
@require_GET
def notifications(request: SignedInRequest) -> HttpResponse:
    items = list(notification_list(user=request.user)[:NOTIFICATIONS_SHOWN])
    return render(
        request,
        "friends/notifications.html",
        {
            "notifications": [
                {
                    "item": item,
                    "actor": selectors.person_of(item.actor) if item.actor else None,
                }
                for item in items
            ]
        },
    )


@login_required
@require_POST
def notifications_read(request: SignedInRequest) -> HttpResponse:
    raw = request.POST.get("notification")
    ids = None if raw is None else [int(raw) if raw.isdigit() and len(raw) < 19 else 0]
    try:
        notifications_mark_read(user=request.user, ids=ids)
    except EngagementError as error:
        messages.error(request, error.detail)
    return redirect("notifications")


# --- "Find my friends" with Facebook ------------------------------------------------------------

FACEBOOK_STATE_KEY = "friends_facebook_state"
FACEBOOK_MATCHES_KEY = "friends_facebook_matches"


def _facebook_app_or_404() -> SocialApp:
    app = facebook.facebook_app()
    if app is None:
        raise Http404
    return app


def _facebook_callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("friends-facebook-callback"))


@login_required
@require_http_methods(["GET", "POST"])
def friends_facebook(request: SignedInRequest) -> HttpResponse:
    """GET: what the search does and, after it, the people found. POST: go and ask Facebook."""
    app = _facebook_app_or_404()
    if request.method == "POST":
        state = secrets.token_urlsafe(24)
        request.session[FACEBOOK_STATE_KEY] = state
        return redirect(
            facebook.dialog_url(app=app, redirect_uri=_facebook_callback_url(request), state=state)
        )
    found = request.session.get(FACEBOOK_MATCHES_KEY)
    people = (
        selectors.facebook_matches_by_id(user=request.user, user_ids=found)
        if found is not None
        else None
    )
    return render(request, "friends/facebook.html", {"people": people})


@login_required
@require_GET
def friends_facebook_callback(request: SignedInRequest) -> HttpResponse:
    app = _facebook_app_or_404()
    expected = request.session.pop(FACEBOOK_STATE_KEY, None)
    code = request.GET.get("code", "")
    if not expected or request.GET.get("state") != expected or not code or len(code) > 2048:
        messages.error(request, _("Facebook did not give the list of your friends."))
        return redirect("friends-facebook")
    try:
        uids = facebook.friend_uids(
            app=app, code=code, redirect_uri=_facebook_callback_url(request)
        )
    except facebook.FacebookUnavailable:
        messages.error(request, _("Facebook did not answer. Try again later."))
        return redirect("friends-facebook")
    people = selectors.facebook_matches(user=request.user, uids=uids)
    request.session[FACEBOOK_MATCHES_KEY] = [person.id for person in people]
    return redirect("friends-facebook")


@login_required
@require_POST
def friends_facebook_request(request: SignedInRequest, user_id: int) -> HttpResponse:
    """Ask one person found through Facebook (never automatic: one click per person)."""
    found = request.session.get(FACEBOOK_MATCHES_KEY) or []
    addressee = (
        User.objects.filter(pk=user_id, is_active=True).first() if user_id in found else None
    )
    if addressee is None:
        raise Http404
    try:
        services.friend_request_send(requester=request.user, addressee=addressee)
    except EngagementError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Your request was sent."))
    return redirect("friends-facebook")
