"""Mission.skill_ids: the ids of the mission's skills, for "has one of these skills" as an
in-row test found from an index, as cause_ids is for causes; and indexes of the remote
missions. Kept by engagement.missions.services.mission_search_columns_refresh and filled here
from the rows (docs/benchmarks.md, "Filters that leave few candidates")."""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

# The skill_ids part of engagement.missions.services.SEARCH_COLUMNS_REFRESH_SQL, copied so this
# migration does not change when the application code does.
BACKFILL_SQL = """
UPDATE engagement_mission AS m SET
    skill_ids = ARRAY(
        SELECT link.skill_id FROM engagement_mission_skills AS link
        WHERE link.mission_id = m.id ORDER BY link.skill_id
    )
WHERE EXISTS (SELECT 1 FROM engagement_mission_skills AS link WHERE link.mission_id = m.id)
"""


def backfill(apps, schema_editor):
    schema_editor.execute(BACKFILL_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0033_mission_words"),
    ]

    operations = [
        migrations.AddField(
            model_name="mission",
            name="skill_ids",
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
                fields=["skill_ids"],
                name="mission_published_skills",
            ),
        ),
        migrations.AddIndex(
            model_name="mission",
            index=models.Index(
                condition=models.Q(("is_remote", True), ("status", "published")),
                fields=["id"],
                include=["cause_ids", "skill_ids", "has_open_ongoing_slot", "last_open_slot_start"],
                name="mission_published_remote",
            ),
        ),
        migrations.AddIndex(
            model_name="mission",
            index=models.Index(
                condition=models.Q(
                    ("is_remote", True), ("location__isnull", False), ("status", "published")
                ),
                fields=["id"],
                name="mission_remote_located",
            ),
        ),
    ]
