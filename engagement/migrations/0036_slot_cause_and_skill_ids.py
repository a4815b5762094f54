"""Slot.cause_ids and Slot.skill_ids: copies of the mission's, included in slot_open_by_start so
that a soonest walk tests a slot's causes and skills in the index it walks, before reading its
mission. Kept by engagement.missions.services.mission_search_columns_refresh and filled here
(docs/benchmarks.md, "Causes and skills on the slots")."""

import django.contrib.postgres.fields
from django.db import migrations, models

# engagement.missions.services.SLOT_SEARCH_COLUMNS_REFRESH_SQL, copied so this migration does
# not change when the application code does.
BACKFILL_SQL = """
UPDATE engagement_slot AS s SET cause_ids = m.cause_ids, skill_ids = m.skill_ids
FROM engagement_mission AS m
WHERE s.mission_id = m.id
AND (s.cause_ids, s.skill_ids) IS DISTINCT FROM (m.cause_ids, m.skill_ids)
"""


def backfill(apps, schema_editor):
    schema_editor.execute(BACKFILL_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0035_mission_access_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="slot",
            name="cause_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                blank=True,
                db_default=[],
                default=list,
                editable=False,
                size=None,
            ),
        ),
        migrations.AddField(
            model_name="slot",
            name="skill_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                blank=True,
                db_default=[],
                default=list,
                editable=False,
                size=None,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="slot",
            name="slot_open_by_start",
        ),
        migrations.AddIndex(
            model_name="slot",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["starts_at", "mission"],
                include=("ends_at", "time_bit", "cause_ids", "skill_ids"),
                name="slot_open_by_start",
            ),
        ),
    ]
