"""engagement_missionword: each word (lexeme) of a mission's search vector and the rank of the
mission for that word alone (engagement.missions.models.MissionWord), filled here from the
vectors. Searches by relevance in a tenant with many missions read it best first
(engagement.missions.search_words); engagement.missions.text_search keeps it with the vector.

A schema of 1,000,000 missions holds about 18 words per mission (docs/benchmarks.md, "Broad
search"); at the platform's usual sizes (hundreds to thousands of missions) the fill takes
milliseconds per schema."""

import django.db.models.deletion
from django.db import migrations, models

# engagement.missions.text_search.MISSION_WORDS_SQL (every mission), copied so this
# migration does not change when the application code does.
BACKFILL_SQL = r"""
INSERT INTO engagement_missionword (mission_id, lexeme, rank)
SELECT m.id, w.lexeme,
       ts_rank(m.search_vector,
               ('''' || replace(replace(w.lexeme, '\', '\\'), '''', '''''') || '''')::tsquery)
FROM engagement_mission AS m CROSS JOIN LATERAL unnest(m.search_vector) AS w
WHERE m.search_vector IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0032_indexes_once_as_declared"),
    ]

    operations = [
        migrations.CreateModel(
            name="MissionWord",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "mission_id",
                        "lexeme",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("lexeme", models.TextField()),
                ("rank", models.FloatField()),
                (
                    "mission",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="engagement.mission",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        models.F("lexeme"),
                        models.OrderBy(models.F("rank"), descending=True),
                        models.F("mission"),
                        name="mission_word_by_rank",
                    )
                ],
            },
        ),
        migrations.RunSQL(BACKFILL_SQL, migrations.RunSQL.noop),
    ]
