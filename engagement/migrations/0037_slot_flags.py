"""Slot.is_remote, is_step_free, is_open_to_minors and is_beginner_friendly: copies of the
mission's, included in slot_open_by_start so that a soonest walk by these flags tests them in the
index it walks instead of probing each slot's mission. Kept by
engagement.missions.services.mission_search_columns_refresh and filled here (docs/benchmarks.md,
"The flags on the slots")."""

from django.db import migrations, models

# engagement.missions.services.SLOT_SEARCH_COLUMNS_REFRESH_SQL, copied so this migration does
# not change when the application code does. The causes' and skills' copies are already exact
# (0036): the slots written are those of missions with a flag other than its default.
BACKFILL_SQL = """
UPDATE engagement_slot AS s SET cause_ids = m.cause_ids, skill_ids = m.skill_ids, is_remote = m.is_remote, is_step_free = m.is_step_free, is_open_to_minors = m.is_open_to_minors, is_beginner_friendly = m.is_beginner_friendly
FROM engagement_mission AS m
WHERE s.mission_id = m.id
AND (s.cause_ids, s.skill_ids, s.is_remote, s.is_step_free, s.is_open_to_minors, s.is_beginner_friendly) IS DISTINCT FROM (m.cause_ids, m.skill_ids, m.is_remote, m.is_step_free, m.is_open_to_minors, m.is_beginner_friendly)
"""


def backfill(apps, schema_editor):
    schema_editor.execute(BACKFILL_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0036_slot_cause_and_skill_ids"),
    ]

    operations = [
        migrations.AddField(
            model_name="slot",
            name="is_remote",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddField(
            model_name="slot",
            name="is_step_free",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddField(
            model_name="slot",
            name="is_open_to_minors",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddField(
            model_name="slot",
            name="is_beginner_friendly",
            field=models.BooleanField(db_default=True, default=True, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        # Built after the copies are written, so it holds no dead entries of the backfill.
        migrations.RemoveIndex(
            model_name="slot",
            name="slot_open_by_start",
        ),
        migrations.AddIndex(
            model_name="slot",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["starts_at", "mission"],
                include=(
                    "ends_at",
                    "time_bit",
                    "cause_ids",
                    "skill_ids",
                    "is_remote",
                    "is_step_free",
                    "is_open_to_minors",
                    "is_beginner_friendly",
                ),
                name="slot_open_by_start",
            ),
        ),
    ]
