# AuditEvent moved to tenants.audit (audit 0001): Django's state only, the table stays.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("engagement", "0010_mission_search_index_statistics"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
