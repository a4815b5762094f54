"""Search columns on Mission (cause_ids, last_open_slot_start, has_open_ongoing_slot), kept by
engagement.services.missions.mission_search_columns_refresh; filled here from the rows."""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.conf import settings
from django.db import migrations, models

# The statement of engagement.services.missions.SEARCH_COLUMNS_REFRESH_SQL, copied so this
# migration does not change when the application code does.
BACKFILL_SQL = """
UPDATE engagement_mission AS m SET
    cause_ids = ARRAY(
        SELECT link.cause_id FROM engagement_mission_causes AS link
        WHERE link.mission_id = m.id ORDER BY link.cause_id
    ),
    last_open_slot_start = (
        SELECT max(s.starts_at) FROM engagement_slot AS s
        WHERE s.mission_id = m.id AND s.status = 'open'
    ),
    has_open_ongoing_slot = EXISTS (
        SELECT 1 FROM engagement_slot AS s
        WHERE s.mission_id = m.id AND s.status = 'open' AND s.starts_at IS NULL
    )
"""


def backfill(apps, schema_editor):
    schema_editor.execute(BACKFILL_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0008_slot_open_by_mission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="mission",
            name="cause_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                blank=True,
                default=list,
                editable=False,
                size=None,
            ),
        ),
        migrations.AddField(
            model_name="mission",
            name="has_open_ongoing_slot",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="mission",
            name="last_open_slot_start",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="mission",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("status", "published")),
                fields=["cause_ids"],
                name="mission_published_causes",
            ),
        ),
    ]
