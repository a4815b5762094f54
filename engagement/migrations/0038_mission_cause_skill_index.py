"""One GIN index of the published missions by their causes and their skills together: a search
by a cause and a skill finds its missions from one index scan instead of one of them and a test
of the other on each of its rows (docs/benchmarks.md, "A cause and a skill")."""

import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0037_slot_flags"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="mission",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("status", "published")),
                fields=["cause_ids", "skill_ids"],
                name="mission_published_cause_skill",
            ),
        ),
    ]
