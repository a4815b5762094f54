"""Mission.cause_cells: each cause of a mission crossed with the lon/lat cell of its location
(engagement.missions.geo, "Cause cells"), for counting "one of these causes in this rectangle"
from one index; kept by engagement.missions.services.mission_search_columns_refresh and filled
here from the rows."""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

# The cause_cells part of engagement.missions.services.SEARCH_COLUMNS_REFRESH_SQL, copied so this
# migration does not change when the application code does.
BACKFILL_SQL = """
UPDATE engagement_mission AS m SET
    cause_cells = ARRAY(
        SELECT (link.cause_id * 268435456 + (floor(ST_Y(m.location::geometry) * 50)::bigint + 4500) * 18001 + floor(ST_X(m.location::geometry) * 50)::bigint + 9000) FROM engagement_mission_causes AS link
        WHERE link.mission_id = m.id AND m.location IS NOT NULL ORDER BY link.cause_id
    )
WHERE EXISTS (SELECT 1 FROM engagement_mission_causes AS link WHERE link.mission_id = m.id)
    AND m.location IS NOT NULL
"""


def backfill(apps, schema_editor):
    schema_editor.execute(BACKFILL_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0028_slot_open_period"),
    ]

    operations = [
        migrations.AddField(
            model_name="mission",
            name="cause_cells",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                blank=True,
                default=list,
                editable=False,
                size=None,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="mission",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("status", "published")),
                fields=["cause_cells"],
                name="mission_published_cause_cells",
            ),
        ),
    ]
