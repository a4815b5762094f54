"""Search results written as JSON text by PostgreSQL, as the API presents them.

The search API's page (engagement.missions.search.mission_search_page_json) and the map's pins
(mission_map_features) select each result as one compact JSON text: the application joins the
texts into the response body instead of loading typed rows (datetimes, two JSON documents per
row), building dictionaries and encoding them again. At 20 rows that Python work cost about as
much as a broad search's SQL (bench/search.py, docs/benchmarks.md, "Broad search").

The texts hold the same values as engagement.missions.serializers.MissionListItemSerializer's
`to_representation`, the reference the tests compare them with:
- datetimes in the tenant's zone as Python's isoformat writes them, "Z" at UTC
  (engagement.api.fields._datetime);
- numbers written by PostgreSQL as float8 (the shortest exact digits, as Python's repr); the
  distance rounded to 3 decimals;
- strings escaped by to_json.

Only constant identifiers are interpolated; values are `%s` parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engagement.missions.models import Mission
from engagement.organizations.models import Organization
from engagement.taxonomy.models import Cause

_MISSION = f'"{Mission._meta.db_table}"'
_ORGANIZATION_TABLE = Organization._meta.db_table
_CAUSE_TABLE = Cause._meta.db_table
_MISSION_CAUSES_TABLE = Mission.causes.through._meta.db_table
_VERIFIED = Organization.Verification.VERIFIED.value


@dataclass(frozen=True)
class ResultJsonFormat:
    """What the request decides in a result's JSON: the time zone of its datetimes (a zone
    name), the language of the causes' labels, and an organization's logo URL around its id:
    what precedes the id, and what follows it up to the file's stem
    (engagement.organizations.models.organization_logo_url)."""

    zone: str
    english: bool
    logo_path: tuple[str, str]


def iso_datetime_sql(column: str) -> str:
    """`column` (timestamptz) as JSON-ready text in the zone given as every `%s` (their number:
    `.count("%s")`): seconds, microseconds only when there are some, then the offset, "Z" at
    UTC. NULL stays NULL."""
    local = f"({column} AT TIME ZONE %s)"
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"""to_char({local}, 'YYYY-MM-DD"T"HH24:MI:SS') """
        f"|| CASE WHEN to_char({local}, 'US') = '000000' THEN '' "
        f"ELSE '.' || to_char({local}, 'US') END "
        f"|| CASE WHEN {local} = {utc} THEN 'Z' "
        f"WHEN {local} > {utc} THEN '+' || to_char({local} - {utc}, 'HH24:MI') "
        f"ELSE '-' || to_char({utc} - {local}, 'HH24:MI') END"
    )


def _value(expression: str) -> str:
    """Any SQL value as JSON text, null for NULL."""
    return f"coalesce(to_json({expression})::text, 'null')"


def _datetime(column: str) -> str:
    return f"coalesce(to_json({iso_datetime_sql(column)})::text, 'null')"


_DATETIME_ZONES = iso_datetime_sql("x").count("%s")

# The organization as the list presents it. The logo's URL is the logo view's path with the
# file's stem as its version (pathlib's stem: the name without its last suffix, when that dot
# is neither the name's first nor its last character).
_ORGANIZATION_SQL = (
    """(SELECT '{"id":' || o.id || ',"name":' || to_json(o.name) """  # noqa: S608
    """|| ',"slug":' || to_json(o.slug) || ',"kind":' || to_json(o.kind) """
    f"""|| ',"is_verified":' || (o.verification_status = '{_VERIFIED}')::text """
    """|| ',"logo_url":' || CASE WHEN coalesce(o.logo, '') = '' THEN '""' ELSE to_json("""
    "%s || o.id || %s || regexp_replace(regexp_replace(o.logo, '^.*/', ''), "
    """'^(.+)\\.[^.]+$', '\\1'))::text END || '}' """
    f'FROM {_ORGANIZATION_TABLE} o WHERE o.id = {_MISSION}."organization_id")'
)
# The causes' display order (alias c), for every statement that lists a mission's causes.
CAUSE_ORDER_SQL = "c.position, c.slug"
# The causes in display order, labelled in the request's language (`%s`: English or not).
_CAUSES_SQL = (
    """(SELECT '[' || coalesce(string_agg('{"id":' || c.id || ',"slug":' || to_json(c.slug) """  # noqa: S608
    """|| ',"label":' || to_json(CASE WHEN %s THEN c.name_en ELSE c.name_fr END) || '}', """
    f"',' ORDER BY {CAUSE_ORDER_SQL}), '') || ']' "
    f"FROM {_MISSION_CAUSES_TABLE} link JOIN {_CAUSE_TABLE} c ON c.id = link.cause_id "
    f'WHERE link.mission_id = {_MISSION}."id")'
)


def _next_slot_sql(next_slot: Callable[[str], str], seats_left: str) -> str:
    """The tail of a result: its next matching slot and that slot's seats left, from one
    subquery (`next_slot` wraps a column of slot `s` into it); the subquery's parameters follow
    the zones'."""
    fragment = (
        """',"next_slot":{"id":' || s.id """
        f"""|| ',"starts_at":' || {_datetime("s.starts_at")} """
        f"""|| ',"ends_at":' || {_datetime("s.ends_at")} """
        f"""|| ',"seats_left":' || {seats_left} || '}},"seats_left":' || {seats_left}"""
    )
    return f"""coalesce(({next_slot(fragment)}), ',"next_slot":null,"seats_left":null')"""


def result_json_sql(
    *,
    next_slot: Callable[[str], str],
    slot_params: tuple[object, ...],
    seats_left: str,
    distance_km: tuple[str, tuple[object, ...]] | None,
    lat: str,
    lng: str,
    result_format: ResultJsonFormat,
) -> tuple[str, list[object]]:
    """One result of the mission row in scope (the unaliased mission table) as JSON text, with
    its parameters, from the search's own expressions: `next_slot` wraps a column of slot `s`
    into the subquery that picks the next matching slot (with `slot_params`), `seats_left` is
    that slot's seats left, `distance_km` the SQL of the distance in km and its parameters
    (None without a point), `lat` and `lng` the SQL of the coordinates."""
    zone = result_format.zone
    params: list[object] = []

    def flags(*names: str) -> str:
        return " ".join(
            f"""|| ',"{name}":' || {_value(f'{_MISSION}."{name}"')} """ for name in names
        )

    distance = "'null'"
    if distance_km is not None:
        distance = f"coalesce((round(({distance_km[0]})::numeric, 3)::float8)::text, 'null')"
    parts = (
        f"""'{{"id":' || {_MISSION}."id" """
        f"""|| ',"title":' || to_json({_MISSION}."title") """
        f"""|| ',"summary":' || to_json({_MISSION}."summary") """
        f"""|| ',"organization":' || coalesce({_ORGANIZATION_SQL}, 'null') """
        f"""|| ',"causes":' || {_CAUSES_SQL} """
        f"""|| ',"city":' || to_json({_MISSION}."city") """
        f"""|| ',"postcode":' || to_json({_MISSION}."postcode") """
        f"""|| ',"location":' || CASE WHEN {_MISSION}."location" IS NULL THEN 'null' ELSE """
        f"""'{{"lat":' || ({lat})::float8 || ',"lng":' || ({lng})::float8 || '}}' END """
        + flags(
            "is_remote",
            "is_step_free",
            "is_open_to_minors",
            "is_beginner_friendly",
            "requires_approval",
        )
        + f"""|| ',"published_at":' || {_datetime(f'{_MISSION}."published_at"')} """
        f"""|| ',"distance_km":' || {distance} """
        f"|| {_next_slot_sql(next_slot, seats_left)} || '}}'"
    )
    params += list(result_format.logo_path)
    params.append(result_format.english)
    params += [zone] * _DATETIME_ZONES
    if distance_km is not None:
        params += list(distance_km[1])
    params += [zone] * (2 * _DATETIME_ZONES)
    params += list(slot_params)
    return parts, params
