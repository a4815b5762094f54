"""Calendar feeds: the feed itself (/agenda/<token>.ics, no sign-in: the token is the key), and
the pages where a person makes, sees and stops their address — for their commitments
(/mes-engagements/agenda/) or for an organization they run (/organisation/<id>/agenda/).

A new address is shown once, in the answer to the POST that made it (not cached, never stored:
only its hash is); later visits say that an address works and since when.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts.requests import SignedInRequest
from engagement.calendars.feeds import feed_addresses, feed_ics
from engagement.calendars.models import CalendarFeed
from engagement.calendars.selectors import calendar_feed_active, calendar_feed_for_token
from engagement.calendars.services import calendar_feed_create, calendar_feed_revoke
from engagement.errors import EngagementError
from engagement.organizations.access import organization_get_for_member
from engagement.organizations.models import Organization

TEMPLATE = "calendars/feed.html"
FEED_CONTENT_TYPE = "text/calendar; charset=utf-8"


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar a token names; 404 for an unknown, revoked or foreign token alike.
    Calendars poll it: an ETag lets an unchanged feed answer 304 without a body."""
    feed = calendar_feed_for_token(token=token)
    if feed is None:
        raise Http404
    content = feed_ics(tenant=request.tenant, feed=feed)
    etag = f'"{hashlib.sha256(content).hexdigest()[:40]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(content, content_type=FEED_CONTENT_TYPE)
        response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response["ETag"] = etag
    # Revalidated on every poll, so a revoked address stops at once; never in a shared cache.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _page(
    request: HttpRequest,
    *,
    organization: Organization | None,
    created_token: str | None = None,
) -> HttpResponse:
    feed: CalendarFeed | None = calendar_feed_active(owner=request.user, organization=organization)  # type: ignore[arg-type]
    if organization is None:
        actions = {
            "create_url": reverse("my-calendar-feed-create"),
            "revoke_url": reverse("my-calendar-feed-revoke"),
            "back_url": reverse("my-engagements"),
        }
    else:
        actions = {
            "create_url": reverse(
                "engagement:organization-calendar-create", args=[organization.pk]
            ),
            "revoke_url": reverse(
                "engagement:organization-calendar-revoke", args=[organization.pk]
            ),
            "back_url": reverse("engagement:organization-detail", args=[organization.pk]),
        }
    context = {
        "organization": organization,
        "feed": feed,
        "addresses": (
            feed_addresses(tenant=request.tenant, token=created_token) if created_token else None
        ),
        **actions,
    }
    return render(request, TEMPLATE, context)


def _organization(request: SignedInRequest, organization_id: int) -> Organization:
    return organization_get_for_member(organization_id=organization_id, user=request.user)


def _create(request: SignedInRequest, organization: Organization | None) -> HttpResponse:
    try:
        created = calendar_feed_create(owner=request.user, organization=organization)
    except EngagementError as error:
        messages.error(request, error.detail)
        return _page(request, organization=organization)
    return _page(request, organization=organization, created_token=created.token)


def _revoke(request: SignedInRequest, organization: Organization | None, back: str) -> HttpResponse:
    try:
        revoked = calendar_feed_revoke(owner=request.user, organization=organization)
    except EngagementError as error:
        messages.error(request, error.detail)
    else:
        if revoked:
            messages.success(request, _("The address no longer works."))
        else:
            messages.info(request, _("There was no working address."))
    return redirect(back)


# --- A person's own calendar ---------------------------------------------------------------------


@login_required
@require_GET
def my_calendar_feed(request: SignedInRequest) -> HttpResponse:
    return _page(request, organization=None)


@never_cache
@login_required
@require_POST
def my_calendar_feed_create(request: SignedInRequest) -> HttpResponse:
    return _create(request, None)


@login_required
@require_POST
def my_calendar_feed_revoke(request: SignedInRequest) -> HttpResponse:
    return _revoke(request, None, reverse("my-calendar-feed"))


# --- An organization's calendar ------------------------------------------------------------------


@login_required
@require_GET
def organization_calendar_feed(request: SignedInRequest, organization_id: int) -> HttpResponse:
    return _page(request, organization=_organization(request, organization_id))


@never_cache
@login_required
@require_POST
def organization_calendar_feed_create(
    request: SignedInRequest, organization_id: int
) -> HttpResponse:
    return _create(request, _organization(request, organization_id))


@login_required
@require_POST
def organization_calendar_feed_revoke(
    request: SignedInRequest, organization_id: int
) -> HttpResponse:
    organization = _organization(request, organization_id)
    back = reverse("engagement:organization-calendar", args=[organization.pk])
    return _revoke(request, organization, back)
