"""The label schema as JSON (FORMATS.md §10): `export_schema`, the jsonl bundle's
`schema.json` and the export page's schema download."""

from __future__ import annotations

import json

from newsreview.projects.models import Project
from newsreview.projects.services import schema_document


def schema_bytes(project: Project) -> bytes:
    """`schema_document` as UTF-8 JSON, indented for people, ending in a newline."""
    text = json.dumps(schema_document(project.schema), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")
