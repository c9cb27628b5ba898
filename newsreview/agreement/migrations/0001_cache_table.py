"""The database cache's table (settings.CACHES, `db://`), made by `migrate` so that
`make run`, `make serve` and a deployment's upgrade need no separate `createcachetable`.
Running it again, or with another cache configured, does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
