"""Anonymous pages cached per tenant: what a visitor without a session sees, rendered once.

A page view decorated with `anonymous_page_cache` is rendered for the first anonymous visitor
and stored for the view's lifetime (`seconds`, PAGE_CACHE_SECONDS by default); the next ones get
the stored copy (one or two cache reads, no query, no template). Rules, each tested
(tests/tenants/test_page_cache.py):

- Only GET, only a visitor who sends no session cookie and no messages cookie: a signed-in
  person (or one with a message to show) always gets their own rendering, which is never stored.
- The key names the tenant's schema (tenant_cache_key; the cache KEY_FUNCTION adds it again),
  the host (absolute links), the language, the htmx headers the view reads, the full path with
  its query string and the tenant's branding version (a Tenant save changes it). The stored
  copy carries the tenant's page generations it was rendered under, read with it in one round
  trip; a copy whose generations are no longer the current ones is not served.
- The generation is a token in the cache; `page_cache_invalidate()` replaces it (now and again
  when the transaction commits), which every stored page of that tenant then no longer matches.
  A page also depends on a narrower generation, which a change of what it alone shows renews
  without touching the others: a mission's page on its mission's (`mission_scope`), a published
  mission's copy on its content's (`mission_copy_scope`), the home page on the lists'
  (`LISTS_SCOPE`). The domains connect these to the writes that change what the pages show
  (engagement/page_cache.py).
- What changes far more often than the rest of a page is put in afresh on every view of a
  stored copy (`fill`): a mission page's seats left, kept apart under a generation of their own
  (`mission_seats_scope`), so that a sign-up does not throw the whole page away.
- Time passing changes a page without any write (a date shown starts and is no longer offered,
  a campaign's first or last day): the view names that moment while it renders
  (`page_changes_at`) and the copy expires then, if sooner than its lifetime. The lifetime
  itself bounds what no write announces (bulk updates, the seats left on a list).
- CSRF: the stored copy holds a placeholder where the rendering had the form token; each visitor
  gets their own token put there (get_token, which also sets their CSRF cookie as usual).
- Only a 200 with no cookie of its own is stored.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from tenants.branding import branding_version
from tenants.context import tenant_cache_key
from tenants.routing import request_tenant
from tenants.signing import TenantCookieStorage

PAGE_CACHE_SECONDS = 60
# The generation token lives longer than any page it names.
GENERATION_SECONDS = 24 * 3600
CSRF_PLACEHOLDER = b"entraide-csrf-token"
TENANT_SCOPE = "tenant"
# The pages that list missions (the home page): any mission's change of content renews them.
LISTS_SCOPE = "lists"
_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
# Response headers a stored copy keeps (the middlewares add the others on every answer).
_KEPT_HEADERS = ("Content-Type", "Vary", "Cache-Control", "Content-Language")
# Where page_changes_at keeps the soonest moment named while the page renders.
_CHANGES_AT = "_page_cache_changes_at"

View = Callable[..., HttpResponseBase]


def _generation_key(scope: str) -> str:
    return tenant_cache_key("page-generation", scope)


def _generations(keys: Sequence[str], found: dict[str, Any]) -> list[str]:
    """The generations named by `keys` as read in `found`; one missing is created now."""
    generations = []
    for key in keys:
        generation = found.get(key)
        if generation is None:
            # Made now, unless another request made it first: theirs is read back.
            made = secrets.token_hex(8)
            if cache.add(key, made, GENERATION_SECONDS):
                generation = made
            else:
                generation = cache.get(key) or "none"
        generations.append(str(generation))
    return generations


def cached_for_generations(key: str, scopes: Sequence[str]) -> tuple[Any, list[str]]:
    """What `cache_for_generations` stored under `key` if it was stored under the current
    tenant's generations of `scopes`, else None; and those generations. One round trip: the
    value and the generations are read together. Read the generations before the rows a new
    value is made from (page_cache_invalidate)."""
    generation_keys = [_generation_key(each) for each in scopes]
    found = cache.get_many([key, *generation_keys])
    generations = _generations(generation_keys, found)
    stored = found.get(key)
    if isinstance(stored, dict) and stored.get("generations") == generations:
        return stored.get("value"), generations
    return None, generations


def cache_for_generations(key: str, value: Any, generations: list[str], seconds: int) -> None:
    """Store `value` under `key` for the generations `cached_for_generations` returned: a later
    renewal of any of them makes it unread (and the next value replaces it)."""
    cache.set(key, {"generations": generations, "value": value}, seconds)


def page_cache_invalidate(*, scope: str | Sequence[str] = TENANT_SCOPE) -> None:
    """Forget the current tenant's cached anonymous pages: all of them (the tenant scope), or
    only those of one scope or of several (a mission's page: `mission_scope(id)`). Now, and
    once more on commit (a page rendered from the old rows in between is stored under a
    generation left behind). Several scopes are renewed in one round trip."""
    keys = [_generation_key(each) for each in ([scope] if isinstance(scope, str) else scope)]

    def renew() -> None:
        cache.set_many({key: secrets.token_hex(8) for key in keys}, GENERATION_SECONDS)

    renew()
    transaction.on_commit(renew)


def mission_scope(mission_id: object) -> str:
    """A mission's page: renewed by any change of the mission or its dates, not of its seats
    (a stored copy gets them afresh on every view: `anonymous_page_cache`'s `fill`)."""
    return f"mission-{mission_id}"


def mission_seats_scope(mission_id: object) -> str:
    """A mission's seats left, kept apart from its page (engagement/missions/mission_page.py):
    renewed by any change of the mission's dates, their seats included."""
    return f"mission-seats-{mission_id}"


def mission_copy_scope(mission_id: object) -> str:
    """A published mission's copy (engagement/missions/mission_page.py): renewed by a change of
    the mission's content, not of its seats."""
    return f"mission-copy-{mission_id}"


def page_changes_at(request: HttpRequest, moment: datetime | None) -> None:
    """The page being rendered for `request` changes by itself at `moment` (a date it offers
    starts, a day ends): a cached copy of it must not outlive that moment. None: no such
    moment. Called any number of times; the soonest counts."""
    if moment is None:
        return
    current = getattr(request, _CHANGES_AT, None)
    if current is None or moment < current:
        setattr(request, _CHANGES_AT, moment)


def _lifetime(request: HttpRequest, seconds: int) -> int:
    """How long the copy just rendered may be served: `seconds`, or less if the page named a
    sooner moment (page_changes_at); 0 if that moment is already here."""
    changes_at = getattr(request, _CHANGES_AT, None)
    if changes_at is None:
        return seconds
    return max(0, min(seconds, int((changes_at - timezone.now()).total_seconds())))


def _is_anonymous_visitor(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and TenantCookieStorage.cookie_name not in request.COOKIES
    )


def _page_key(request: HttpRequest, name: str) -> str | None:
    tenant = request_tenant(request)
    if tenant is None:
        return None
    htmx = (
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-History-Restore-Request", ""),
    )
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return tenant_cache_key(
        "page",
        name,
        branding_version(tenant),
        request.get_host(),
        translation.get_language(),
        *htmx,
        path,
    )


def _with_token(request: HttpRequest, content: bytes) -> bytes:
    if CSRF_PLACEHOLDER not in content:
        return content
    return content.replace(CSRF_PLACEHOLDER, get_token(request).encode())


def _stored(response: HttpResponseBase) -> dict[str, Any] | None:
    if (
        response.status_code != 200
        or response.cookies
        or getattr(response, "streaming", False)
        or not isinstance(response, HttpResponse)
    ):
        return None
    return {
        "content": _CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content),
        "headers": {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)},
    }


def anonymous_page_cache(
    name: str,
    *,
    scope: str | Callable[..., str] | None = None,
    seconds: int = PAGE_CACHE_SECONDS,
    fill: Callable[..., bytes] | None = None,
) -> Callable[[View], View]:
    """Serve the view's page to anonymous visitors from the tenant's page cache (see above),
    for `seconds` at most.

    `scope`, or `scope(**view_kwargs)`, names a narrower generation the page also depends on
    (a mission's page: its own, renewed when the mission or its dates change; the home page:
    the lists'). `fill(request, content, **view_kwargs)` returns a stored copy's content with
    what changes too often to be stored put in afresh, on every page served from the cache (a
    mission page's seats left)."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            key = _page_key(request, name) if _is_anonymous_visitor(request) else None
            if key is None:
                return view(request, *args, **kwargs)
            # The generations are read before the view reads its rows (page_cache_invalidate).
            scopes = [TENANT_SCOPE]
            if scope is not None:
                scopes.append(scope if isinstance(scope, str) else scope(**kwargs))
            stored, generations = cached_for_generations(key, scopes)
            if stored is not None:
                content = stored["content"]
                if fill is not None:
                    content = fill(request, content, **kwargs)
                served = HttpResponse(_with_token(request, content))
                for header, value in stored["headers"].items():
                    served[header] = value
                served["X-Page-Cache"] = "hit"
                return served
            response = view(request, *args, **kwargs)
            copy = _stored(response)
            lifetime = _lifetime(request, seconds)
            if copy is not None and lifetime > 0:
                cache_for_generations(key, copy, generations, lifetime)
                response["X-Page-Cache"] = "miss"
            return response

        return wrapped

    return decorator
