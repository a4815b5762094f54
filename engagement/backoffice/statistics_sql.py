"""The statements of engagement/backoffice/statistics.py that the ORM cannot say: sums over a
UNION ALL, and aggregates of aggregates. Constant text only; every value is a named parameter:

- `current_start`, `current_end`, `previous_start`, `previous_end`: the periods' bounds (the
  previous period always ends before the current one starts); `hours_previous_start` and
  `hours_previous_end` the previous period's for hours, or an empty range where only the current
  period's hours are wanted;
- `attended`, `open`, `seat_taking`, `mission_statuses`: status values; `zone`: a time zone name.

Why a UNION ALL for hours: an hour counts on the day of its slot, or for an undated slot on the
day attendance was recorded. Written as one condition on `coalesce(slot.starts_at, decided_at)`,
PostgreSQL joins every attended participation to its slot before it can filter (the condition
spans both tables); as two branches, dated slots are found through their start (index
`slot_start`) and their participations through the slot (index `participation_queue`), so a
month reads a month of rows (docs/benchmarks.md, "Back office statistics").
"""

from __future__ import annotations

# Attended participations whose activity falls in the current period or in the range given for
# the previous one: (activity, mission, hours).
_HOURS_ROWS = """
    SELECT slot.starts_at AS activity, slot.mission_id, participation.hours
    FROM engagement_slot AS slot
    JOIN engagement_participation AS participation ON participation.slot_id = slot.id
    WHERE participation.status = %(attended)s
        AND (
            (slot.starts_at >= %(current_start)s AND slot.starts_at < %(current_end)s)
            OR (
                slot.starts_at >= %(hours_previous_start)s
                AND slot.starts_at < %(hours_previous_end)s
            )
        )
    UNION ALL
    SELECT participation.decided_at, slot.mission_id, participation.hours
    FROM engagement_slot AS slot
    JOIN engagement_participation AS participation ON participation.slot_id = slot.id
    WHERE participation.status = %(attended)s
        AND slot.starts_at IS NULL
        AND (
            (participation.decided_at >= %(current_start)s
                AND participation.decided_at < %(current_end)s)
            OR (participation.decided_at >= %(hours_previous_start)s
                AND participation.decided_at < %(hours_previous_end)s)
        )
"""

# Hours by period ("current" or "previous") and month of the activity in the tenant's zone.
HOURS_BY_MONTH = f"""
SELECT
    CASE WHEN hours_rows.activity >= %(current_start)s THEN 'current' ELSE 'previous' END
        AS period,
    date_trunc('month', hours_rows.activity AT TIME ZONE %(zone)s)::date AS month,
    sum(hours_rows.hours) AS hours
FROM ({_HOURS_ROWS}) AS hours_rows
GROUP BY 1, 2
"""  # noqa: S608 (constant text only)

# Missions with open dates in a period all of whose seats were taken: the seats taken of each
# open date of either period (counted through the slot, index `participation_queue`), then per
# mission whether every date of each period was full.
FULL_MISSIONS = """
SELECT
    count(*) FILTER (WHERE per_mission.full_current) AS full_current,
    count(*) FILTER (WHERE per_mission.full_previous) AS full_previous
FROM (
    SELECT
        bool_and(dates.taken >= dates.capacity) FILTER (
            WHERE dates.starts_at >= %(current_start)s
        ) AS full_current,
        bool_and(dates.taken >= dates.capacity) FILTER (
            WHERE dates.starts_at < %(current_start)s
        ) AS full_previous
    FROM (
        SELECT
            slot.mission_id,
            slot.capacity,
            slot.starts_at,
            (
                SELECT count(*) FROM engagement_participation AS seat
                WHERE seat.slot_id = slot.id AND seat.status = ANY(%(seat_taking)s)
            ) AS taken
        FROM engagement_slot AS slot
        JOIN engagement_mission AS mission ON mission.id = slot.mission_id
        WHERE slot.status = %(open)s
            AND mission.status = ANY(%(mission_statuses)s)
            AND (
                (slot.starts_at >= %(current_start)s AND slot.starts_at < %(current_end)s)
                OR (slot.starts_at >= %(previous_start)s AND slot.starts_at < %(previous_end)s)
            )
    ) AS dates
    GROUP BY dates.mission_id
) AS per_mission
"""

# Per mission: participations requested in each period and hours of the current one. Grouping by
# mission before joining the causes or the addresses joins a few thousand rows, not every
# participation.
_PER_MISSION = f"""
SELECT
    contributions.mission_id,
    sum(contributions.requested_current) AS participations_current,
    sum(contributions.requested_previous) AS participations_previous,
    sum(contributions.hours) AS hours
FROM (
    SELECT
        slot.mission_id,
        (participation.created_at >= %(current_start)s)::int AS requested_current,
        (participation.created_at < %(current_start)s)::int AS requested_previous,
        NULL::numeric AS hours
    FROM engagement_participation AS participation
    JOIN engagement_slot AS slot ON slot.id = participation.slot_id
    WHERE (
        participation.created_at >= %(current_start)s
        AND participation.created_at < %(current_end)s
    ) OR (
        participation.created_at >= %(previous_start)s
        AND participation.created_at < %(previous_end)s
    )
    UNION ALL
    SELECT hours_rows.mission_id, 0, 0, hours_rows.hours
    FROM ({_HOURS_ROWS}) AS hours_rows
    WHERE hours_rows.activity >= %(current_start)s
) AS contributions
GROUP BY contributions.mission_id
"""  # noqa: S608 (constant text only)

_SUMS = """
    sum(per_mission.participations_current)::bigint AS participations_current,
    sum(per_mission.participations_previous)::bigint AS participations_previous,
    sum(per_mission.hours) AS hours
"""

# Both breakdowns from one reading of the per-mission sums (a CTE used twice is materialized):
# the rows of causes (key: the cause's id as text, NULL for missions without a cause), then those
# of areas (key: the area, "remote" for remote missions, "" for missions without a postcode).
# `{area}` is one of AREA_KEYS.
_BREAKDOWNS = f"""
WITH per_mission AS ({_PER_MISSION})
SELECT 'cause' AS breakdown, link.cause_id::text AS key, '' AS city, {_SUMS}
FROM per_mission
LEFT JOIN engagement_mission_causes AS link ON link.mission_id = per_mission.mission_id
GROUP BY link.cause_id
UNION ALL
SELECT 'area', area.key, min(area.city), {_SUMS}
FROM per_mission
JOIN LATERAL (
    SELECT
        CASE WHEN mission.is_remote THEN 'remote' ELSE {{area}} END AS key,
        CASE WHEN mission.is_remote THEN '' ELSE mission.city END AS city
    FROM engagement_mission AS mission
    WHERE mission.id = per_mission.mission_id
) AS area ON true
GROUP BY area.key
"""  # noqa: S608 (constant text only)

_POSTCODE = "upper(trim(mission.postcode))"
# How postcodes make areas: whole (France: 75011), or their first three characters (Canada: the
# forward sortation area H2X of H2X 1Y4).
AREA_KEYS = {
    "postcode": _POSTCODE,
    "postcode_district": f"left(replace({_POSTCODE}, ' ', ''), 3)",
}
BREAKDOWNS = {grouping: _BREAKDOWNS.format(area=key) for grouping, key in AREA_KEYS.items()}
