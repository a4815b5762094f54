"""The GIN indexes of the published missions' causes, skills, and causes with skills dropped:
mission_published_search_taxa (words, causes and skills, migration 0039) holds the same cause
and skill entries, and a GIN index serves any of its columns alone. Reads measured the same with
and without them at 100,000 and 1,000,000 missions; 31 MB less at 1,000,000 and three fewer
indexes to write (docs/benchmarks.md, "Words with remote")."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0040_mission_remote_search_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="mission",
            name="mission_published_causes",
        ),
        migrations.RemoveIndex(
            model_name="mission",
            name="mission_published_skills",
        ),
        migrations.RemoveIndex(
            model_name="mission",
            name="mission_published_cause_skill",
        ),
    ]
