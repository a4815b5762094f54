"""What the property tests send: every route of a URL conf, hostile values, signed-in actors.

Routes come from the resolvers themselves (never a hand list), so a route added later is
exercised without anyone editing the tests. Values are the inputs an attacker or a clumsy user
sends: huge and non-ASCII numbers, impossible dates, NUL and control bytes, deep or huge JSON,
unknown content types.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import User
from tenants.models import Domain, Tenant
from tests.config.live import Answer, RawClient
from tests.engagement.conftest import World

# --- Routes -------------------------------------------------------------------------------------

_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern of a conf: `route` is Django's own name for it (ResolverMatch.route)."""

    route: str
    # (literal text | (converter, name) | compiled regex of a regex level), in order.
    parts: tuple[Any, ...]
    name: str | None

    @property
    def is_api(self) -> bool:
        return self.route.startswith(("api/", "accounts/api/"))


def routes_of(urlconf: str) -> list[Route]:
    found: list[Route] = []

    def walk(resolver: URLResolver, prefix: str, parts: tuple[Any, ...]) -> None:
        for pattern in resolver.url_patterns:
            route = URLResolver._join_route(prefix, str(pattern.pattern))
            level = _parts_of(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern, route, parts + level)
            elif isinstance(pattern, URLPattern):
                found.append(Route(route=route, parts=parts + level, name=pattern.name))

    walk(get_resolver(urlconf), "", ())
    return found


def _parts_of(pattern: Any) -> tuple[Any, ...]:
    if isinstance(pattern, RoutePattern):
        parts: list[Any] = []
        text = str(pattern)
        position = 0
        for match in _PARAMETER.finditer(text):
            parts.append(text[position : match.start()])
            parts.append((match["converter"] or "str", match["name"]))
            position = match.end()
        parts.append(text[position:])
        return tuple(part for part in parts if part != "")
    regex = pattern.regex.pattern
    regex = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    return (re.compile(regex),) if regex else ()


# --- Hostile values -----------------------------------------------------------------------------

HOSTILE_TEXT = (
    "99999999999999999999",
    "-99999999999999999999",
    "9" * 400,
    "1e308",
    "-1e308",
    "1e309",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "0",
    "-1",
    "0x10",
    "١٢٣",
    "１２３",
    "٣٫٥",
    "0001-01-01",
    "9999-12-31",
    "2024-02-31",
    "10000-01-01",
    "0000-00-00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "2024-02-31T10:00",
    "2024-13-45T25:61:61",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\u202e\ufeff\u200b",
    "'\"><script>alert(1)</script>",
    "x" * 5000,
    "",
    " ",
    "true",
    "null",
    "[]",
    "{}",
    "%00",
    "../../../../etc/passwd",
    "1,2,3",
    "-200,-100,200,100",
    "1e308,1e308,-1e308,-1e308",
    "nan,nan,nan,nan",
    "2.3,48.8,2.4",
    "monday:morning,sunday:night",
    "🙂",
)

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(st.characters(codec="utf-8", categories=("Cc", "Nd", "L", "P", "S")), max_size=24),
)

HOSTILE_JSON_SCALARS = (
    10**30,
    -(10**30),
    2**63,
    1e308,
    -1e308,
    0.5,
    True,
    None,
    [],
    {},
    [None],
    {"": None},
)

hostile_json_leaf = st.one_of(hostile_text, st.sampled_from(HOSTILE_JSON_SCALARS))
hostile_json = st.recursive(
    hostile_json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(hostile_text, children, max_size=3),
    ),
    max_leaves=6,
)

# Query parameters the code reads (plus Django admin's): a random subset gets hostile values.
QUERY_NAMES = (
    "page",
    "page_size",
    "lat",
    "lng",
    "radius_km",
    "bbox",
    "cause",
    "skill",
    "date_from",
    "date_to",
    "availability",
    "remote",
    "q",
    "sort",
    "status",
    "next",
    "token",
    "key",
    "organization",
    "mission",
    "slot",
    "o",
    "p",
    "e",
    "_changelist_filters",
    "_popup",
    "_to_field",
    "id__exact",
    "format",
    "lang",
    "code",
    "state",
    "error",
    "session_id",
)


def hostile_query() -> st.SearchStrategy[list[tuple[str, str]]]:
    """A few named parameters with hostile values, or every known name with the same one."""
    return st.one_of(
        st.lists(st.tuples(st.sampled_from(QUERY_NAMES), hostile_text), max_size=4),
        # Short values only: all names at once must fit a request line (64 KiB).
        hostile_text.filter(lambda value: len(value) < 400).map(
            lambda value: [(name, value) for name in QUERY_NAMES]
        ),
    )


# --- Bodies -------------------------------------------------------------------------------------


class FormFields(HTMLParser):
    """The fields of the page's POST forms, with their current values (a valid baseline)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_post_form = False
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._in_post_form = attributes.get("method", "get").lower() == "post"
        if not self._in_post_form:
            return
        name = attributes.get("name")
        if tag == "input" and name and name != "post":
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            if kind == "file":
                return
            self.fields.setdefault(name, attributes.get("value", "on"))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.setdefault(name, "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and self._select not in self.fields:
            self.fields[self._select] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_post_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields_of(html: bytes) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html.decode("utf-8", "replace"))
    return parser.fields


@dataclass
class Body:
    content_type: str | None
    data: bytes
    kind: str


@st.composite
def form_body(draw: st.DrawFn, baseline: dict[str, str], csrf: str) -> Body:
    fields = dict(baseline)
    names = sorted(fields) or ["name"]
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
        fields[name] = draw(hostile_text)
    fields["csrfmiddlewaretoken"] = csrf
    return Body("application/x-www-form-urlencoded", urlencode(fields).encode(), "form")


@st.composite
def json_body(draw: st.DrawFn, baseline: dict[str, Any]) -> Body:
    data = dict(baseline)
    names = sorted(data) or ["name"]
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
        data[name] = draw(hostile_json)
    return Body("application/json", json.dumps(data).encode(), "json")


ODD_BODIES = (
    Body("application/json", b"[" * 50_000 + b"]" * 50_000, "deep-json"),
    Body("application/json", b'{"a":' * 20_000 + b"1" + b"}" * 20_000, "deep-json-object"),
    Body("application/json", b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'"}', "huge-json"),
    Body("application/json", b'{"name": "a\\u0000b", "title": "\\u0000"}', "json-nul"),
    Body("application/json", b'{"name": NaN, "capacity": Infinity}', "json-nan"),
    Body("application/json", b"{not json", "broken-json"),
    Body("application/json", b"\xff\xfe\x00\x00", "binary-json"),
    Body("application/json", b"", "empty-json"),
    Body("application/x-www-form-urlencoded", b"name=a%00b&title=%00&x=%ff%fe", "form-nul"),
    Body("application/x-www-form-urlencoded", b"a=" + b"x" * (3 * 1024 * 1024), "huge-form"),
    Body("application/x-www-form-urlencoded", b"&".join([b"a=b"] * 1500), "many-fields"),
    Body("multipart/form-data", b"--x\r\nbroken", "broken-multipart"),
    Body("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data", "cut"),
    Body("application/xml", b"<?xml version='1.0'?><a>&lt;</a>", "xml"),
    Body("text/plain; charset=utf-16", b"\xff\xfe\x00", "text-utf16"),
    Body("application/x-unknown", b"\x00\x01\x02", "unknown"),
    Body("application/json; charset=bogus", b"{}", "bogus-charset"),
    Body(None, b"\x00garbage", "no-content-type"),
)


# --- Actors and real path values -----------------------------------------------------------------


def session_for(user: User | None, host: str) -> str | None:
    if user is None:
        return None
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def path_values(world: World | None, staff: User | None) -> dict[str, list[str]]:
    """Real values for path parameters, by name: requests must also reach past the 404."""
    if world is None:
        return {
            "object_id": [str(pk) for pk in Tenant.objects.values_list("pk", flat=True)[:2]]
            + [str(pk) for pk in Domain.objects.values_list("pk", flat=True)[:1]]
            + ([str(staff.pk)] if staff else []),
            "content_type_id": [str(ContentType.objects.get_for_model(Tenant).pk)],
            "slug": ["paris", "acme"],
        }
    return {
        "mission_id": [str(m.pk) for m in (world.published, world.in_review, world.draft)],
        "organization_id": [
            str(o.pk)
            for o in (world.organization, world.other_organization, world.pending_organization)
        ],
        "slot_id": [str(s.pk) for s in (world.slot, world.free_slot, world.started_slot)],
        "participation_id": [
            str(p.pk) for p in (world.own_participation, world.requested, world.confirmed_started)
        ],
        "membership_id": [str(world.editor_membership.pk)],
        "token": [world.invitation.token],
        "kind": ["saml", "oidc", "facebook"],
        "object_id": [
            str(world.published.pk),
            str(world.organization.pk),
            str(world.volunteer.pk),
            str(world.own_participation.pk),
        ],
        "id": [str(world.volunteer.pk)],
        "content_type_id": [str(ContentType.objects.get_for_model(world.published).pk)],
    }


# --- Requests -----------------------------------------------------------------------------------


def quote_path(path: str) -> str:
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def query_string(params: list[tuple[str, str]]) -> str:
    return urlencode(params, quote_via=quote)


@dataclass
class Actor:
    name: str
    client: RawClient
    csrf: str


def actor_client(port: int, name: str, session_key: str | None) -> Actor:
    csrf = secrets.token_hex(16)
    cookies = {"csrftoken": csrf}
    if session_key:
        cookies["sessionid"] = session_key
    client = RawClient(port=port, cookies=cookies, headers={"X-CSRFToken": csrf})
    return Actor(name=name, client=client, csrf=csrf)


@dataclass
class Outcome:
    """What the property tests found: every 5xx, and how many requests hit each route."""

    failures: list[str] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)

    def record(
        self, label: str, kind: str, answer: Answer, errors: list[str], writes: list[str]
    ) -> None:
        self.requests += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1
        if answer.status >= 500:
            self.failures.append(f"{answer.status} {label}\n" + "\n".join(errors[-1:]))
        elif answer.status >= 400 and writes:
            self.failures.append(f"{answer.status} {label} wrote: {writes[:3]}")


def iter_routes(routes: list[Route]) -> Iterator[Route]:
    yield from routes


def bounded_examples(max_examples: int) -> hypothesis_settings:
    """Hypothesis settings for the property tests of `make test`: a fixed number of examples,
    the same ones on every run (derandomized, no example database), no deadline on a busy box."""
    return hypothesis_settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
