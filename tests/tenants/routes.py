"""Every route of both URL confs, found by walking the resolvers, and how to fill its path.

The isolation matrix (tests/tenants/test_isolation_matrix.py) takes its routes from here, never
from a hand list: a route added to a URL conf shows up in `routes(urlconf)` and must then be
filled (each path parameter named in `FILLERS`) or exempted (`EXEMPT`), or the completeness
test fails.

A path parameter is filled with a value of the victim tenant (Paris): the id of a Paris object,
its token, its slug. `Victim.values` holds those values; `FILLERS` says which value goes in
which parameter, either for every route (`"mission_id"`) or for one route name
(`"account_reset_password_from_key:key"`). Admin object routes take the id of a victim object
of the admin's model (`Victim.by_model`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern, _route_to_regex
from django.utils.regex_helper import normalize
from django.views.generic import RedirectView
from rest_framework.authentication import TokenAuthentication

TENANT_URLCONF = "config.urls_tenant"
PUBLIC_URLCONF = "config.urls_public"

READ_METHODS = ("get",)
WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    """One URL pattern, with the prefixes of the resolvers that include it."""

    urlconf: str
    route: str  # the patterns joined, as in ResolverMatch.route: "api/v1/missions/<int:…>/"
    name: str | None
    callback: Callable[..., Any]
    formats: tuple[tuple[str, tuple[str, ...]], ...]  # (format string, its parameters) per level
    patterns: tuple[Any, ...]  # the RoutePattern/RegexPattern of each level
    index: int  # position in the URL conf, to tell apart two routes with the same text

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(param for _, params in self.formats for param in params)

    @property
    def key(self) -> str:
        prefix = "public" if self.urlconf == PUBLIC_URLCONF else "tenant"
        return f"{prefix}:/{self.route}"

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods the view answers. A class view names its handlers; a function view, or a
        class that does its own dispatching (allauth's SAML views), may accept any method: it
        gets GET and POST (what its links and forms use)."""
        view_class = self.view_class
        handlers: tuple[str, ...] = ()
        if view_class is not None and issubclass(view_class, RedirectView):
            return READ_METHODS  # every method is the same redirect, which reads nothing
        if view_class is not None:
            allowed = getattr(view_class, "http_method_names", READ_METHODS + WRITE_METHODS)
            handlers = tuple(
                method
                for method in READ_METHODS + WRITE_METHODS
                if method in allowed and hasattr(view_class, method)
            )
        return handlers or ("get", "post")

    @property
    def accepts_api_token(self) -> bool:
        """A DRF view that reads `Authorization: Token …` (and so must refuse a foreign one)."""
        view_class = self.view_class
        authentication = getattr(view_class, "authentication_classes", None) or ()
        return any(
            isinstance(auth, type) and issubclass(auth, TokenAuthentication)
            for auth in authentication
        )

    @property
    def admin_model(self) -> type[models.Model] | None:
        """The model of a ModelAdmin route (admin/<app_label>/<model_name>/…)."""
        model_admin = getattr(self.callback, "model_admin", None)
        if model_admin is not None:
            return model_admin.model
        parts = self.route.split("/")
        if len(parts) > 3 and parts[0] in {"admin", "console"}:
            try:
                return apps.get_model(parts[1], parts[2])
            except (LookupError, ValueError):
                return None
        return None

    def url(self, values: Mapping[str, str]) -> str:
        return "/" + "".join(text % {p: values[p] for p in params} for text, params in self.formats)

    def matches(self, url: str) -> bool:
        """`url` fits this route's own patterns (whether or not an earlier route answers it)."""
        remaining = url.removeprefix("/")
        for pattern in self.patterns:
            match = pattern.match(remaining)
            if match is None:
                return False
            remaining = match[0]
        return remaining == ""

    def __str__(self) -> str:
        return self.key


def _format(pattern: RoutePattern | RegexPattern) -> tuple[str, tuple[str, ...]]:
    """The format string and parameter names of one level, the way `reverse` builds them."""
    if isinstance(pattern, RoutePattern):
        regex, _ = _route_to_regex(str(pattern._route), pattern._is_endpoint)
    else:
        regex = pattern._regex
    candidates = normalize(regex)
    text, params = candidates[0]
    return text, tuple(params)


Level = tuple[tuple[str, tuple[str, ...]], Any]


def _walk(
    patterns: list[Any], route: str, levels: tuple[Level, ...]
) -> Iterator[tuple[str, str | None, Callable[..., Any], tuple[Level, ...]]]:
    for pattern in patterns:
        level = (_format(pattern.pattern), pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route + str(pattern.pattern), (*levels, level))
        elif isinstance(pattern, URLPattern):
            yield route + str(pattern.pattern), pattern.name, pattern.callback, (*levels, level)


def routes(urlconf: str) -> list[Route]:
    """Every URL pattern of `urlconf`, in resolution order."""
    return [
        Route(
            urlconf,
            text,
            name,
            callback,
            tuple(fmt for fmt, _ in levels),
            tuple(pattern for _, pattern in levels),
            index,
        )
        for index, (text, name, callback, levels) in enumerate(
            _walk(get_resolver(urlconf).url_patterns, "", ())
        )
    ]


# --- victim values --------------------------------------------------------------------------


@dataclass
class Victim:
    """What the matrix knows of the victim tenant: values to fill paths with, objects per model
    (admin routes), and strings that only the victim's data contains."""

    values: dict[str, str] = field(default_factory=dict)
    by_model: dict[type[models.Model], models.Model] = field(default_factory=dict)
    markers: tuple[str, ...] = ()


Filler = Callable[[Victim, Route], str]


def value(name: str) -> Filler:
    """A victim value by its name in `Victim.values` (an id, a token, a slug of Paris)."""
    return lambda victim, route: victim.values[name]


def constant(text: str) -> Filler:
    """A parameter that names no object of a tenant (a catch-all, an app label)."""
    return lambda victim, route: text


def admin_object(victim: Victim, route: Route) -> str:
    model = route.admin_model
    if model is None or model._meta.concrete_model not in victim.by_model:
        raise KeyError(f"no victim object for the admin model of {route}")
    return str(victim.by_model[model._meta.concrete_model].pk)


def admin_user(victim: Victim, route: Route) -> str:
    return victim.values["user_id"]


# Which victim value goes in which path parameter; "<url name>:<param>" wins over "<param>".
# A parameter filled with a Paris id or slug makes the route "name a victim object": on another
# tenant it must be refused (404, or refused before any lookup); see CONSTANT_PARAMS and
# TOKEN_PARAMS for the others.
FILLERS: dict[str, Filler] = {
    # engagement pages and /api/v1/
    "mission_id": value("mission_id"),
    "participation_id": value("participation_id"),
    "organization_id": value("organization_id"),
    "membership_id": value("membership_id"),
    "slot_id": value("slot_id"),
    # a seat held for a friend (engagement.groups)
    "hold_id": value("seat_hold_id"),
    # a company programme's teams and sites, and the campaigns (page, API, back office)
    "team_id": value("team_id"),
    "site_id": value("site_id"),
    "campaign_id": value("campaign_id"),
    "campaign-detail:slug": value("campaign_slug"),
    "api-campaign:slug": value("campaign_slug"),
    # volunteering time (engagement.worktime): a request, a declaration of hours
    "work_time_request_id": value("work_time_request_id"),
    "declaration_id": value("hours_declaration_id"),
    # back office (people and roles): a Paris user's id
    "user_id": value("user_id"),
    # the back office's custom domains (public-schema rows, scoped to the tenant by the view)
    "domain_id": value("domain_id"),
    # back office (exports): a Paris export job's id
    "export_job_id": value("export_job_id"),
    # a mission's short link (its id in base 36) and an organization's public page
    "mission-short-link:code": value("mission_short_code"),
    "organization-detail:slug": value("organization_slug"),
    "invitation-accept:token": value("invitation_token"),
    "export-download:token": value("export_download_token"),
    "reminder-answer:token": value("reminder_answer_token"),
    "calendar-feed:token": value("calendar_feed_token"),
    "friend-invitation:token": value("friend_invitation_token"),
    # certificates of volunteering: a Paris certificate's id, and its public verification page
    "certificate_id": value("certificate_id"),
    "certificate-verify:token": value("certificate_token"),
    # saved searches: a Paris saved search's id, and its unsubscribe link
    "saved_search_id": value("saved_search_id"),
    "saved-search-unsubscribe:token": value("saved_search_unsubscribe_token"),
    "email-unsubscribe:token": value("email_unsubscribe_token"),
    "work-time-decision:token": value("work_time_decision_token"),
    # sign-up: the hand-off on a tenant; on the public host, a sign-up's links
    "signup-handoff:token": value("signup_handoff_token"),
    "verify:token": value("signup_email_token"),
    "public_id": value("signup_public_id"),
    # allauth, accounts
    "account_confirm_email:key": value("email_confirmation_key"),
    "account_reset_password_from_key:uidb36": value("password_reset_uidb36"),
    "account_reset_password_from_key:key": value("password_reset_key"),
    "organization_slug": value("saml_organization_slug"),
    "provider_id": value("oidc_provider_id"),
    "connection-delete:kind": constant("saml"),
    # the back office
    "token_id": value("api_token_id"),
    # back office: legal pages (every tenant has each document and its version 1)
    "legal_document": constant("conditions"),
    "legal-version:number": constant("1"),
    # Django admin (tenant) and console (public)
    "object_id": admin_object,
    "auth_user_password_change:id": admin_user,
    "view_on_site:content_type_id": value("view_on_site_content_type_id"),
    "view_on_site:object_id": value("view_on_site_object_id"),
    "app_list:app_label": value("admin_app_label"),
    "url": constant("engagement/no-such-model/"),
    # /api/v1/ catch-all
    "unmatched": constant("no-such-endpoint/"),
    # platform API (public host): the victim tenant's slug
    "tenant:slug": value("tenant_slug"),
    "tenant-deprovision:slug": value("tenant_slug"),
    "deprovision-job:job_id": value("deprovision_job_id"),
    # lifecycle (console and platform API): the victim tenant's slug, its archive and jobs
    "tenant-suspend:slug": value("tenant_slug"),
    "tenant-reactivate:slug": value("tenant_slug"),
    "tenant-archive:slug": value("tenant_slug"),
    "tenant-usage-refresh:slug": value("tenant_slug"),
    "archive-restore:archive_id": value("deprovision_job_id"),
    "archive-job:job_id": value("deprovision_job_id"),
    "restore-job:job_id": value("restore_job_id"),
}

# Parameters filled with a constant name nothing of the victim.
CONSTANT_PARAMS = frozenset(
    {
        "connection-delete:kind",
        "app_list:app_label",
        "url",
        "unmatched",
        "legal_document",
        "legal-version:number",
    }
)
# (app_list's label is one of the admin site's apps: a value of the victim's side, not an id.)

# Parameters that carry a secret link of the victim rather than an id. Such pages may answer
# 200 with "this link is invalid" (allauth's confirmation and reset pages, the invitation page
# that looks nothing up before its form is sent): the matrix checks that nothing of the victim
# shows and nothing is written. Whether each token kind is bound to its tenant is the signed-token
# matrix's part (tenants/signing.py).
TOKEN_PARAMS = frozenset(
    {
        "invitation-accept:token",
        "export-download:token",
        "reminder-answer:token",
        "calendar-feed:token",
        "friend-invitation:token",
        "certificate-verify:token",
        "saved-search-unsubscribe:token",
        "email-unsubscribe:token",
        "work-time-decision:token",
        "signup-handoff:token",
        "verify:token",
        "account_confirm_email:key",
        "account_reset_password_from_key:uidb36",
        "account_reset_password_from_key:key",
    }
)

# Routes the matrix does not request, each with its reason. Keys are `Route.key`.
_SCIM_REASON = (
    "SCIM (company directory): authenticated by the directory's bearer token only, never a "
    "session or an API token, and refused on cities (404); its cross-tenant cases (another "
    "tenant's token → 401, a city's host → 404, another tenant's people never seen nor changed) "
    "are tests/engagement/directory/test_scim_isolation.py and the directory_token harness of "
    "tests/tenants/test_signing.py"
)
EXEMPT: dict[str, str] = {
    "tenant:/scim/v2/ServiceProviderConfig": _SCIM_REASON,
    "tenant:/scim/v2/^ResourceTypes(?:/(?P<uuid>[^/]+))?$": _SCIM_REASON,
    "tenant:/scim/v2/^Schemas(?:/(?P<uuid>[^/]+))?$": _SCIM_REASON,
    "tenant:/scim/v2/.search": _SCIM_REASON,
    "tenant:/scim/v2/Users/.search": _SCIM_REASON,
    "tenant:/scim/v2/^Users(?:/(?P<uuid>[^/]+))?$": _SCIM_REASON,
    "tenant:/scim/v2/Groups/.search": _SCIM_REASON,
    "tenant:/scim/v2/^Groups(?:/(?P<uuid>[^/]+))?$": _SCIM_REASON,
    "tenant:/scim/v2/^(?:Me|Bulk)$": _SCIM_REASON,
    "tenant:/scim/v2/^.*$": _SCIM_REASON,
}


def filler_for(route: Route, param: str) -> Filler | None:
    return FILLERS.get(f"{route.name}:{param}") or FILLERS.get(param)


def _kind(route: Route, param: str) -> str:
    specific = f"{route.name}:{param}"
    if specific in CONSTANT_PARAMS or param in CONSTANT_PARAMS:
        return "constant"
    if specific in TOKEN_PARAMS or param in TOKEN_PARAMS:
        return "token"
    return "object"


def names_victim_object(route: Route) -> bool:
    """The path names an object of the victim by its id or slug: elsewhere it is not found."""
    return any(_kind(route, param) == "object" for param in route.params)


def names_victim_token(route: Route) -> bool:
    return any(_kind(route, param) == "token" for param in route.params)


def unfillable(route: Route, victim: Victim) -> list[str]:
    """The parameters of `route` the matrix cannot fill (the completeness test lists them)."""
    missing = []
    for param in route.params:
        filler = filler_for(route, param)
        if filler is None:
            missing.append(param)
            continue
        try:
            filler(victim, route)
        except KeyError:
            missing.append(param)
    return missing


def victim_url(route: Route, victim: Victim) -> str:
    return route.url({param: filler_for(route, param)(victim, route) for param in route.params})  # type: ignore[misc]


def shadowed_by(route: Route, url: str) -> str | None:
    """The route that answers `url`, which fits `route`, when that is not `route` itself (an
    override mounted before it, like accounts.urls' SSO views over allauth's), else None."""
    if not route.matches(url):
        return None  # a filling problem, not a shadow: the completeness test reports it
    match = resolve(url, urlconf=route.urlconf)
    if match.func is route.callback:
        return None
    return f"/{match.route} ({match.url_name})"


def resolves_in(url: str, urlconf: str) -> bool:
    try:
        resolve(url, urlconf=urlconf)
    except Resolver404:
        return False
    return True


def placeholder_url(route: Route) -> str:
    """A URL of the route built without the database: constants where the matrix uses
    constants, "1" for the rest (enough for `resolve` to tell which route answers)."""
    values = {}
    for param in route.params:
        filler = filler_for(route, param)
        try:
            values[param] = filler(Victim(), route) if filler else "1"
        except KeyError:
            values[param] = "1"
    return route.url(values)
