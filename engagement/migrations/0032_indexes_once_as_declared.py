"""Every index once, and as declared (tests/tenants/test_declared_indexes.py).

- mission_published_location becomes what migration 0007 meant: a GiST index of the published
  missions' locations only. 0007 declared it with `fields=["location"]` and a condition; Django's
  PostGIS schema editor creates an index on a geometry or geography field as that field's own
  spatial index and drops the condition, so every schema got a second, full copy of the field's
  index (engagement_mission_location_e44d2327_id): written on every save of any mission, draft or
  not, and never the partial index the search's plans were written for. Declared now as an
  expression, which goes through Django's general path, condition included; PostgreSQL stores
  `(location)` as the plain column.
- employee_manager, friend_block_blocked and team_membership_user were copies of their foreign
  key's own index (Django indexes a ForeignKey): dropped, the foreign key's index stays.

In the migration's transaction: at the platform's sizes (hundreds to thousands of missions per
schema) the GiST index is built in milliseconds per schema."""

import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("engagement", "0031_mission_open_slot_periods"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="employeeprofile",
            name="employee_manager",
        ),
        migrations.RemoveIndex(
            model_name="friendblock",
            name="friend_block_blocked",
        ),
        migrations.RemoveIndex(
            model_name="teammembership",
            name="team_membership_user",
        ),
        migrations.RemoveIndex(
            model_name="mission",
            name="mission_published_location",
        ),
        migrations.AddIndex(
            model_name="mission",
            index=django.contrib.postgres.indexes.GistIndex(
                models.F("location"),
                condition=models.Q(("status", "published")),
                name="mission_published_location",
            ),
        ),
    ]
