"""Two indexes of the published missions (docs/benchmarks.md, "The access flags"):

- by their access flags, with the columns that say whether they can still be joined: a search
  by step-free access, minors or beginners counts its results from it instead of the table;
- by id, with the flags and those columns: a walk in start order tests each slot's mission
  from it instead of the row.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0034_mission_skill_ids"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="mission",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["is_step_free", "is_open_to_minors", "is_beginner_friendly"],
                include=["has_open_ongoing_slot", "last_open_slot_start"],
                name="mission_published_access",
            ),
        ),
        migrations.AddIndex(
            model_name="mission",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["id"],
                include=[
                    "is_remote",
                    "is_step_free",
                    "is_open_to_minors",
                    "is_beginner_friendly",
                    "has_open_ongoing_slot",
                    "last_open_slot_start",
                ],
                name="mission_published_by_id",
            ),
        ),
    ]
