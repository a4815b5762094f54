"""engagement_mission.open_slot_periods: the periods of a mission's open dated slots that had not
ended when the row was last written, as one tstzmultirange. A search with dates tests it on the
mission row before reading the mission's slots (engagement.missions.search, _SlotMatch); kept by
engagement.missions.services.mission_search_columns_refresh and filled here from the rows.

A column of the table, not a field of the model: only SQL writes and reads it, and loading it
into every Mission would parse a multirange per row (~20 µs for three periods with psycopg)."""

from django.db import migrations

# The open_slot_periods part of engagement.missions.services.SEARCH_COLUMNS_REFRESH_SQL, copied
# so this migration does not change when the application code does.
BACKFILL_SQL = """
UPDATE engagement_mission AS m SET
    open_slot_periods = COALESCE((
        SELECT range_agg(tstzrange(s.starts_at, s.ends_at)) FROM engagement_slot AS s
        WHERE s.mission_id = m.id AND s.status = 'open' AND s.ends_at > now()
    ), '{}')
WHERE EXISTS (
    SELECT 1 FROM engagement_slot AS s
    WHERE s.mission_id = m.id AND s.status = 'open' AND s.ends_at > now()
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0030_mission_published_newest"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE engagement_mission "
            "ADD COLUMN open_slot_periods tstzmultirange NOT NULL DEFAULT '{}'",
            "ALTER TABLE engagement_mission DROP COLUMN open_slot_periods",
        ),
        migrations.RunSQL(BACKFILL_SQL, migrations.RunSQL.noop),
    ]
