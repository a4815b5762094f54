"""Pages of the product site on the base domain: home, pricing, robots.txt.

French by default, English on request. The language is chosen by `?lang=fr|en` (the switcher's
links, and the `hreflang` alternates, so each language has its own address), which is remembered
in Django's language cookie (host-only: the public host's, never a tenant's); without it, the
cookie, then the browser's Accept-Language (tenants.middleware.TenantLocaleMiddleware on the public
host), then French.

The pages are not cached: measured through the whole middleware stack they render in about 4 ms
(home: one query; pricing: none), and a cached home would go on naming an instance for a while
after it turned private.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from billing.plans import Interval
from tenants.public_language import language_alternates, site_language, with_site_language
from website.selectors import demo_instance_list, plan_cards


@dataclass(frozen=True)
class WalkStep:
    """One of the three clicks, with its screenshot (website/static/website/walk/, made by
    tests/browser/website_screenshots.py; width and height are the file's, so nothing moves)."""

    image: str
    title: str | Promise
    text: str | Promise
    alt: str | Promise
    width: int = 640
    height: int = 400


WALK = (
    WalkStep(
        image="website/walk/find.webp",
        title=_("1. Find"),
        text=_("The actions near you, on a list and a map, from your address or your position."),
        alt=_("The home page of a city's site: missions near the visitor on a map and a list."),
    ),
    WalkStep(
        image="website/walk/filter.webp",
        title=_("2. Filter"),
        text=_("By cause, date, availability, accessibility or distance, in one tap."),
        alt=_("The same page filtered by cause and by step-free access."),
    ),
    WalkStep(
        image="website/walk/participate.webp",
        title=_("3. “Je participe”"),
        text=_("Choose a date and commit: the organization is told, a reminder follows."),
        alt=_("A mission's page with its dates and the “Je participe” button."),
    ),
)


def _page_context(request: HttpRequest, **query: str) -> dict[str, Any]:
    return {
        "site_alternates": language_alternates(request, **query),
        "site_url": request.build_absolute_uri(request.path),
        "contact_email": settings.WEBSITE_CONTACT_EMAIL,
        "instance_port": _port_suffix(request),
    }


def _port_suffix(request: HttpRequest) -> str:
    """The port the visitor used (":8000" in development), for links to the demo instances."""
    port = request.get_port()
    return "" if port in {"80", "443"} else f":{port}"


@require_GET
@with_site_language
def home(request: HttpRequest) -> HttpResponse:
    """What Entraide does, the three clicks, our commitments, the demo instances, contact.
    One query (the public instances)."""
    context = {
        **_page_context(request),
        "walk": WALK,
        "instances": demo_instance_list(),
    }
    return render(request, "website/home.html", context)


@require_GET
@with_site_language
def pricing(request: HttpRequest) -> HttpResponse:
    """The plan catalogue (billing.plans), monthly or yearly (`?interval=year`); an unknown
    interval shows the monthly prices. No query."""
    requested = request.GET.get("interval", "")
    interval = Interval(requested) if requested in set(Interval) else Interval.MONTH
    language = site_language(translation.get_language())
    query = {"interval": interval.value} if interval != Interval.MONTH else {}
    context = {
        **_page_context(request, **query),
        "interval": interval.value,
        "intervals": [
            {"value": Interval.MONTH.value, "label": _("Monthly"), "path": request.path},
            {
                "value": Interval.YEAR.value,
                "label": _("Yearly"),
                "path": request.path + "?" + urlencode({"interval": Interval.YEAR.value}),
            },
        ],
        "cards": plan_cards(interval=interval, language=language),
    }
    return render(request, "website/pricing.html", context)


# The site is for everyone; the console, the APIs and the sign-up's one-time pages (everything
# under /signup/ but the form itself: e-mail confirmation, checkout, progress) are not for search
# engines.
ROBOTS = (
    "User-agent: *\n"
    "Allow: /signup/$\n"
    "Disallow: /console/\n"
    "Disallow: /api/\n"
    "Disallow: /billing/\n"
    "Disallow: /signup/\n"
)


@require_GET
@cache_control(public=True, max_age=3600)
def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse(ROBOTS, content_type="text/plain; charset=utf-8")
