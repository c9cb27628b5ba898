"""Change.layer loses its own index: change_layer_user_idx begins with the layer and serves
every lookup by layer (see the model's comment). Dropped by name, as in 0007, so the
foreign key is not dropped and re-checked."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0007_span_labels_unindexed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="change",
                    name="layer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="changes",
                        to="annotations.annotationlayer",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "annotations_change_layer_id_2b484de3"',
                    'CREATE INDEX "annotations_change_layer_id_2b484de3" '
                    'ON "annotations_change" ("layer_id")',
                ),
            ],
        ),
    ]
