"""Span.entity_type and Span.event_type lose their indexes (see the model's comment).

Only the indexes are dropped: Django's AlterField would also drop and re-add each foreign
key, which re-checks every span of a large table under lock for nothing.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0006_change_redoable_index"),
        ("projects", "0004_review_settings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="span",
                    name="entity_type",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="spans",
                        to="projects.entitytype",
                    ),
                ),
                migrations.AlterField(
                    model_name="span",
                    name="event_type",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="trigger_spans",
                        to="projects.eventtype",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "annotations_span_entity_type_id_8b2d4ebb"',
                    'CREATE INDEX "annotations_span_entity_type_id_8b2d4ebb" '
                    'ON "annotations_span" ("entity_type_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "annotations_span_event_type_id_543071cc"',
                    'CREATE INDEX "annotations_span_event_type_id_543071cc" '
                    'ON "annotations_span" ("event_type_id")',
                ),
            ],
        ),
    ]
