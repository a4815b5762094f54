"""Saved-search pages: saving the search of "Autour de moi" (/alertes/nouvelle/?<its query>),
the list of my saved searches with their alert settings, a saved search's results now, and the
one-click unsubscribe link of the alert e-mails.

Every page works without JavaScript. Saving needs an account: an anonymous visitor is sent to
sign in and comes back to the same confirmation page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import SignedInRequest
from engagement.alerts.access import saved_search_get_for_owner
from engagement.alerts.forms import SavedSearchCreateForm, SavedSearchSettingsForm
from engagement.alerts.models import SavedSearch
from engagement.alerts.selectors import (
    saved_search_by_token,
    saved_search_filters,
    saved_search_list_for_user,
)
from engagement.alerts.services import (
    saved_search_create,
    saved_search_delete,
    saved_search_unsubscribe,
    saved_search_update,
)
from engagement.errors import EngagementError
from engagement.missions.filters import availability_tokens
from engagement.missions.forms import PERIODS, WEEKDAYS
from engagement.missions.search import MissionSearchFilters, mission_search_paginated
from engagement.missions.views import search_from_query
from engagement.taxonomy.selectors import cause_list, skill_list

RESULTS_PAGE_SIZE = 20


# --- What a saved search asks for, in words ----------------------------------------------------


def _availability_labels(mask: int | None) -> list[str]:
    if mask is None:
        return []
    days = dict(WEEKDAYS)
    periods = dict(PERIODS)
    labels = []
    for token in availability_tokens(mask):
        day, _sep, period = token.partition("-")
        weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(day)
        index = ("morning", "afternoon", "evening").index(period)
        labels.append(f"{days[weekday]} {str(periods[index]).lower()}")
    return labels


def _criteria(
    filters: MissionSearchFilters, *, place_label: str, labels: dict[str, str]
) -> list[tuple[str, str]]:
    """(what, value) lines describing a search, for the pages."""
    lines: list[tuple[str, str]] = []
    if filters.has_point:
        where = place_label or _("a chosen place")
        if filters.radius_km is not None:
            where = _("%(place)s, within %(radius)s km") % {
                "place": where,
                "radius": f"{filters.radius_km:g}",
            }
        lines.append((_("Where"), where))
    if filters.causes:
        lines.append((_("Causes"), ", ".join(labels.get(slug, slug) for slug in filters.causes)))
    if filters.skills:
        lines.append(
            (_("Skills"), ", ".join(labels.get(f"skill:{slug}", slug) for slug in filters.skills))
        )
    if filters.q:
        lines.append((_("Keywords"), filters.q))
    availability = _availability_labels(filters.availability)
    if availability:
        lines.append((_("When"), ", ".join(availability)))
    if filters.remote is not None:
        lines.append((_("Remote"), _("Remote only") if filters.remote else _("On site only")))
    flags = [
        (filters.step_free, _("Step-free access")),
        (filters.beginner_friendly, _("Suitable for beginners")),
        (filters.open_to_minors, _("Open to minors")),
    ]
    chosen = [str(label) for value, label in flags if value]
    if chosen:
        lines.append((_("Accessibility and audience"), ", ".join(chosen)))
    if not lines:
        lines.append((_("Missions"), _("Every new mission")))
    return lines


def _taxonomy_labels() -> dict[str, str]:
    labels = {cause.slug: cause.label for cause in cause_list()}
    labels.update({f"skill:{skill.slug}": skill.label for skill in skill_list()})
    return labels


def _default_name(filters: MissionSearchFilters, place_label: str) -> str:
    parts = [part for part in (filters.q, place_label) if part]
    return " — ".join(parts)[:100] or _("My search")


# --- Saving a search ----------------------------------------------------------------------------


def _search_query(raw: str) -> QueryDict:
    """The search page's query string, without its paging and the htmx markers."""
    query = QueryDict(raw, mutable=True)
    for name in ("page", "search", "name", "frequency", "csrfmiddlewaretoken"):
        query.pop(name, None)
    return query


@login_required
@require_http_methods(["GET", "POST"])
def saved_search_new(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST":
        form = SavedSearchCreateForm(request.POST)
        raw = request.POST.get("search", "")
    else:
        form = None
        raw = request.GET.urlencode()
    query = _search_query(raw)
    search_form, origin, filters = search_from_query(request, query)
    place_label = origin.label if origin is not None else ""
    if form is None:
        form = SavedSearchCreateForm(
            initial={"name": _default_name(filters, place_label), "search": query.urlencode()}
        )
    elif form.is_valid():
        try:
            saved_search_create(
                user=request.user,
                name=form.cleaned_data["name"],
                frequency=form.cleaned_data["frequency"],
                filters=filters,
                place_label=place_label,
            )
        except EngagementError as error:
            for message in (error.fields or {}).get("non_field_errors", [error.detail]):
                form.add_error(None, message)
            for field, field_messages in (error.fields or {}).items():
                if field != "non_field_errors":
                    for message in field_messages:
                        form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Search saved: we will e-mail you the new missions that match it."),
            )
            return redirect("saved-searches")
    status = 400 if form.is_bound and form.errors else 200
    context: dict[str, Any] = {
        "form": form,
        "criteria": _criteria(filters, place_label=place_label, labels=_taxonomy_labels()),
        "search_errors": search_form.errors,
        "back_url": f"/?{query.urlencode()}" if query else "/",
        "dates_ignored": bool(filters.date_from or filters.date_to),
    }
    return render(request, "alerts/saved_search_new.html", context, status=status)


# --- My saved searches --------------------------------------------------------------------------


@login_required
@require_GET
def saved_search_list(request: SignedInRequest) -> HttpResponse:
    labels = _taxonomy_labels()
    saved_searches = list(saved_search_list_for_user(user=request.user))
    items = [
        {
            "saved_search": saved_search,
            "criteria": _criteria(
                saved_search_filters(saved_search),
                place_label=saved_search.place_label,
                labels=labels,
            ),
            "form": SavedSearchSettingsForm(
                initial={
                    "frequency": saved_search.frequency,
                    "is_active": saved_search.is_active,
                },
                auto_id=f"id_%s_{saved_search.pk}",
            ),
        }
        for saved_search in saved_searches
    ]
    return render(request, "alerts/saved_search_list.html", {"items": items})


@login_required
@require_POST
def saved_search_settings(request: SignedInRequest, saved_search_id: int) -> HttpResponse:
    saved_search = saved_search_get_for_owner(saved_search_id=saved_search_id, user=request.user)
    form = SavedSearchSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a frequency: every day or every week."))
        return redirect("saved-searches")
    saved_search_update(
        saved_search=saved_search,
        actor=request.user,
        frequency=form.cleaned_data["frequency"],
        is_active=form.cleaned_data["is_active"],
    )
    messages.success(request, _("Your alert settings are saved."))
    return redirect("saved-searches")


@login_required
@require_POST
def saved_search_remove(request: SignedInRequest, saved_search_id: int) -> HttpResponse:
    saved_search = saved_search_get_for_owner(saved_search_id=saved_search_id, user=request.user)
    saved_search_delete(saved_search=saved_search, actor=request.user)
    messages.success(request, _("The saved search is deleted."))
    return redirect("saved-searches")


@login_required
@require_GET
def saved_search_results(request: SignedInRequest, saved_search_id: int) -> HttpResponse:
    """The missions a saved search finds now (all of them, not only the new ones)."""
    saved_search = saved_search_get_for_owner(saved_search_id=saved_search_id, user=request.user)
    filters = saved_search_filters(saved_search)
    # The page's own order: nearest first with a place, else best matches, else soonest.
    filters = MissionSearchFilters(
        **{
            **{name: getattr(filters, name) for name in filters.__dataclass_fields__},
            "sort": None,
        }
    )
    page = mission_search_paginated(
        filters=filters, page=request.GET.get("page"), size=RESULTS_PAGE_SIZE
    )
    return render(
        request,
        "alerts/saved_search_results.html",
        {
            "saved_search": saved_search,
            "page": page,
            "criteria": _criteria(
                filters, place_label=saved_search.place_label, labels=_taxonomy_labels()
            ),
        },
    )


# --- One-click unsubscribe (RFC 8058) -----------------------------------------------------------


def _unsubscribe_target(token: str) -> SavedSearch:
    saved_search = saved_search_by_token(token=token)
    if saved_search is None:
        raise Http404
    return saved_search


@csrf_exempt
@require_http_methods(["GET", "POST"])
def saved_search_unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (mail scanners follow links: a GET changes nothing); POST, from
    that page's button or from a mail client's one-click (`List-Unsubscribe=One-Click`, without
    cookies), stops this search's alerts. The token is the only credential, so no CSRF token
    is asked; it is a random value of this tenant's schema (tenants/signing.py)."""
    saved_search = _unsubscribe_target(token)
    if request.method == "POST":
        saved_search_unsubscribe(saved_search=saved_search)
        return render(
            request, "alerts/unsubscribe.html", {"saved_search": saved_search, "done": True}
        )
    return render(request, "alerts/unsubscribe.html", {"saved_search": saved_search, "done": False})
