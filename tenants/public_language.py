"""The language of the public host's pages (the product site, sign-up): French by default,
English on request. The choice is `?lang=fr|en` (the switchers' links, and the `hreflang`
alternates, so each language has its own address), remembered in Django's language cookie
(host-only: the public host's, never a tenant's); without it, the cookie or the browser's
Accept-Language, read by LocaleMiddleware, decides among these two."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SITE_LANGUAGES: tuple[str, ...] = ("fr", "en")
# Each language named in itself, for the switchers.
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def site_language(language: str | None) -> str:
    """One of SITE_LANGUAGES for any language code (fr-ca reads French; unknown: French)."""
    base = (language or "").lower().split("-")[0]
    return base if base in SITE_LANGUAGES else SITE_LANGUAGES[0]


def with_site_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render in the visitor's site language, and remember an explicit choice (`?lang=`)."""

    @wraps(view)
    def localized(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        requested = request.GET.get("lang", "")
        chosen = requested if requested in SITE_LANGUAGES else None
        language = chosen or site_language(translation.get_language())
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = view(request, *args, **kwargs)
        if chosen is not None and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
            )
        return response

    return localized


def language_alternates(request: HttpRequest, **query: str) -> list[dict[str, str]]:
    """The page's address in each site language (`hreflang` links and the switchers), keeping
    the given query parameters."""
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": request.build_absolute_uri(
                request.path + "?" + urlencode({**query, "lang": code})
            ),
            "path": request.path + "?" + urlencode({**query, "lang": code}),
        }
        for code in SITE_LANGUAGES
    ]
