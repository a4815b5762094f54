"""One GIN index of the published missions by their words, causes and skills together: a search
by words with a cause or a skill finds its missions from one index scan, instead of the words'
missions each tested for the cause (docs/benchmarks.md, "Words with a cause")."""

import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0038_mission_cause_skill_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="mission",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("status", "published")),
                fields=["search_vector", "cause_ids", "skill_ids"],
                name="mission_published_search_taxa",
            ),
        ),
    ]
