"""A GIN index of the remote published missions' words (Mission's remote_search_vector): a
search by words with `remote` finds its few missions from it and ranks them all, instead of
walking the words' best missions, seldom remote (docs/benchmarks.md, "Words with remote")."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0039_mission_search_taxa_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="mission",
            index=django.contrib.postgres.indexes.GinIndex(
                models.Case(
                    models.When(is_remote=True, then=models.F("search_vector")),
                    output_field=django.contrib.postgres.search.SearchVectorField(),
                ),
                condition=models.Q(("status", "published")),
                name="mission_remote_search",
            ),
        ),
    ]
