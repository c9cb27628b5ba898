"""Project-wide label-all-mentions as a background job (issue 13).

A module-level function taking ids (its arguments and its result round-trip through
JSON), calling the same service as the preview view. The view runs it synchronously for
now, with an in-page progress indication; once django-tasks is in (issue 14), decorate it
with `@task()` and enqueue it with
`transaction.on_commit(partial(find_project_mentions.enqueue, span_id=…, user_id=…))`
(STYLE.md §9); `report` then writes the progress where the page polls it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from newsreview.annotations.models import Span

from .mentions import project_mentions


def find_project_mentions(
    *, span_id: int, user_id: int, report: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """The other mentions of span `span_id` in its user's open documents of the project,
    as JSON-ready data. Only the owner of the span's layer may run it (else a
    Span.DoesNotExist, as for any span outside one's layers)."""
    span = Span.objects.select_related(
        "layer__owner", "layer__document", "entity_type", "event_type"
    ).get(pk=span_id, layer__owner_id=user_id)
    found = project_mentions(layer=span.layer, span=span, progress=report)
    return {"span": span_id, "mentions": [asdict(m) for m in found]}
