"""Article texts are compressed with lz4 on PostgreSQL: pglz (the default) costs bulk
imports about a tenth of their time (bench/bench_import.py). Servers built without lz4,
and other databases, keep their default."""

from django.db import migrations


def use_lz4(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        if cursor.fetchone() is None:
            return
        cursor.execute("ALTER TABLE documents_document ALTER COLUMN text SET COMPRESSION lz4")


def use_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE documents_document ALTER COLUMN text SET COMPRESSION default"
            )


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(use_lz4, use_default)]
