# The AuditEvent model moved from engagement: its table (engagement_auditevent) and index stay as
# they are, only Django's state changes (engagement 0011 removes it there). Its content type, in a
# schema that has one already, moves too, so its permissions follow it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    _content_type_move(apps, schema_editor, source="engagement", target="audit")


def content_type_returns(apps, schema_editor):
    _content_type_move(apps, schema_editor, source="audit", target="engagement")


def _content_type_move(apps, schema_editor, *, source, target):
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    if not content_types.filter(app_label=target, model="auditevent").exists():
        content_types.filter(app_label=source, model="auditevent").update(app_label=target)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("engagement", "0010_mission_search_index_statistics"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("action", models.CharField(max_length=64)),
                        ("target_type", models.CharField(max_length=40)),
                        ("target_id", models.BigIntegerField()),
                        ("data", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "engagement_auditevent",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["target_type", "target_id"], name="audit_target")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
