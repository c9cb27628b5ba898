"""The project gazetteer: built from reviewed gold layers, extended by managers (CSV upload,
admin), and turned into suggestions when a document opens.

Suggestions are not spans: they are shown as dashed outlines until the annotator accepts
(they become ordinary spans with origin "gazetteer", through annotations.services, one
audited change per acceptance) or rejects them (remembered per layer). They never
duplicate or cross an existing span of the layer.
"""

from __future__ import annotations

import csv
import io
import secrets
import time
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, Count, IntegerField, Max, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.annotations import services
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.models import AnnotationLayer, Span
from newsreview.documents.models import Document
from newsreview.projects.models import EntityType, Project

from .matching import Compiled, compile_gazetteer, find_gazetteer_matches
from .models import Gazetteer, GazetteerEntry, RejectedSuggestion, normalised_key

ORIGIN = "gazetteer"
MAX_TEXT = 500
MAX_CSV_ROWS = 200_000

# --- building ----------------------------------------------------------------------------


def _reviewed_gold(project: Project):
    return AnnotationLayer.objects.filter(
        document__project=project,
        kind=AnnotationLayer.Kind.GOLD,
        status=AnnotationLayer.Status.REVIEWED,
    )


def gold_fingerprint(project: Project) -> str:
    """Changes whenever a reviewed gold layer appears, goes or changes (version)."""
    figures = _reviewed_gold(project).aggregate(n=Count("id"), v=Sum("version"), at=Max("pk"))
    return f"{figures['n']}:{figures['v'] or 0}:{figures['at'] or 0}"


@transaction.atomic
def rebuild_from_gold(project: Project) -> int:
    """Replace the project's gold entries by the entity spans of its reviewed gold layers:
    one entry per (normalised text, label), counting how often it was labelled so.
    Entries managers uploaded or entered are left alone. Returns the number of entries."""
    gazetteer, _created = Gazetteer.objects.select_for_update().get_or_create(project=project)
    counts: Counter[tuple[str, int]] = Counter()
    shown: dict[tuple[str, int], str] = {}
    for text, entity_type_id in Span.objects.filter(
        layer__in=_reviewed_gold(project), entity_type__isnull=False
    ).values_list("text", "entity_type_id"):
        key = normalised_key(text)
        if not key or len(text) > MAX_TEXT:
            continue
        counts[(key, entity_type_id)] += 1
        shown.setdefault((key, entity_type_id), text)
    GazetteerEntry.objects.filter(project=project, source=GazetteerEntry.Source.GOLD).delete()
    GazetteerEntry.objects.bulk_create(
        GazetteerEntry(
            project=project,
            text=shown[key],
            normalised=key[0],
            entity_type_id=key[1],
            source=GazetteerEntry.Source.GOLD,
            count=count,
        )
        for key, count in counts.items()
    )
    gazetteer.gold_fingerprint = gold_fingerprint(project)
    gazetteer.built_at = timezone.now()
    gazetteer.revision = new_revision()
    gazetteer.save()
    return len(counts)


def ensure_built(project: Project) -> None:
    """Rebuild the gold entries when the reviewed gold layers changed since the last build
    (so the gazetteer follows reviews without anyone pressing a button)."""
    stored = (
        Gazetteer.objects.filter(project=project).values_list("gold_fingerprint", flat=True).first()
    )
    if stored != gold_fingerprint(project):
        rebuild_from_gold(project)


def new_revision() -> int:
    return secrets.randbits(62)


def entries_changed(project: Project | int) -> None:
    """Record that the project's entries changed, so every process compiles them again.
    Every write to GazetteerEntry calls it (the builders here, the admin)."""
    project_id = project if isinstance(project, int) else project.pk
    # A random token, not a counter: a database restored from a backup, or a test
    # database whose ids start again, never meets a matcher compiled for other entries.
    token = new_revision()
    if not Gazetteer.objects.filter(project_id=project_id).update(revision=token):
        Gazetteer.objects.update_or_create(project_id=project_id, defaults={"revision": token})


class GazetteerError(Exception):
    """A refused upload: every problem, with its line, and nothing saved."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@transaction.atomic
def import_csv(*, project: Project, data: bytes) -> int:
    """Add the `text,label` rows of a CSV file (UTF-8, a BOM allowed, header line first) as
    uploaded entries. All or nothing: any bad row refuses the file with every problem.
    Rows already in the gazetteer are skipped. Returns the number of entries added."""
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise GazetteerError(
            [_("The file is not valid UTF-8 (byte %(at)s).") % {"at": error.start}]
        ) from None
    reader = csv.reader(io.StringIO(content, newline=""))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header[:2]] != ["text", "label"]:
        raise GazetteerError([_("Line 1: the header must be “text,label”.")])
    labels = {t.key: t for t in EntityType.objects.filter(schema_id=project.schema_id)}
    problems: list[str] = []
    rows: dict[tuple[str, int], str] = {}
    for number, row in enumerate(reader, start=2):
        if len(rows) > MAX_CSV_ROWS:
            problems.append(_("More than %(n)s rows.") % {"n": MAX_CSV_ROWS})
            break
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            problems.append(
                _("Line %(n)s: expected 2 fields, found %(k)s.") % {"n": number, "k": len(row)}
            )
            continue
        text, key = row[0].strip(), row[1].strip()
        normalised = normalised_key(text)
        if not normalised or len(text) > MAX_TEXT:
            problems.append(
                _("Line %(n)s: the text is empty or longer than %(max)s characters.")
                % {"n": number, "max": MAX_TEXT}
            )
            continue
        if "\n" in text:
            problems.append(_("Line %(n)s: the text spans several lines.") % {"n": number})
            continue
        if key not in labels:
            problems.append(
                _("Line %(n)s: “%(key)s” is not an entity label of this project.")
                % {"n": number, "key": key}
            )
            continue
        rows.setdefault((normalised, labels[key].pk), text)
    if problems:
        raise GazetteerError(problems)
    existing = set(
        GazetteerEntry.objects.filter(
            project=project, source=GazetteerEntry.Source.UPLOAD
        ).values_list("normalised", "entity_type_id")
    )
    new = [
        GazetteerEntry(
            project=project,
            text=text,
            normalised=key[0],
            entity_type_id=key[1],
            source=GazetteerEntry.Source.UPLOAD,
        )
        for key, text in rows.items()
        if key not in existing
    ]
    GazetteerEntry.objects.bulk_create(new)
    entries_changed(project)
    return len(new)


# --- compiling (cached per process) ------------------------------------------------------

_compiled: dict[int, tuple[tuple, float, Compiled]] = {}
# Writes that bypass entries_changed (a label deleted with its entries, a shell session)
# are picked up after this long at the latest.
COMPILED_MAX_AGE = 600.0


def compiled_for(project: Project) -> Compiled:
    """The project's active entries ready for matching. Managers' entries win over gold
    ones, and among gold ones the most frequent label of a text. Cached per process until
    an entry changes: the gazetteer's revision (one row) tells."""
    entries = GazetteerEntry.objects.filter(project=project, is_active=True)
    stamp = (Gazetteer.objects.filter(project=project).values_list("revision", "built_at").first(),)
    cached = _compiled.get(project.pk)
    if (
        cached is not None
        and cached[0] == stamp
        and time.monotonic() - cached[1] < COMPILED_MAX_AGE
    ):
        return cached[2]
    priority = Case(
        When(source=GazetteerEntry.Source.GOLD, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        entries.annotate(priority=priority)
        .order_by("priority", "-count", "id")
        .values_list("normalised", "entity_type__key")
    )
    compiled = compile_gazetteer(rows.iterator(chunk_size=5_000), normalised=True)
    _compiled[project.pk] = (stamp, time.monotonic(), compiled)
    return compiled


# --- suggestions -------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionView:
    start: int
    end: int
    text: str
    label: str  # the entity type key
    label_name: str
    colour: str

    @property
    def key(self) -> str:
        """How forms name it: `start:end:LABEL`."""
        return f"{self.start}:{self.end}:{self.label}"


def _crosses(start: int, end: int, other: tuple[int, int]) -> bool:
    """Overlapping without one containing the other (nested spans are allowed)."""
    o_start, o_end = other
    overlaps = start < o_end and o_start < end
    nested = (o_start <= start and end <= o_end) or (start <= o_start and o_end <= end)
    return overlaps and not nested


def suggestions_for(*, document: Document, layer: AnnotationLayer | None) -> list[SuggestionView]:
    """Gazetteer matches in `document` that `layer` neither has (same range, any label),
    nor crosses, nor rejected; in text order."""
    project = document.project
    ensure_built(project)
    compiled = compiled_for(project)
    if not compiled.entries:
        return []
    labels = {t.key: t for t in EntityType.objects.filter(schema_id=project.schema_id)}
    existing: list[tuple[int, int]] = []
    rejected: set[tuple[int, int, str]] = set()
    if layer is not None:
        existing = list(Span.objects.filter(layer=layer).values_list("start", "end"))
        rejected = set(
            RejectedSuggestion.objects.filter(layer=layer).values_list(
                "start", "end", "entity_type__key"
            )
        )
    taken = set(existing)
    out = []
    for match in find_gazetteer_matches(document.text, compiled):
        label = labels.get(match.label)
        if label is None or (match.start, match.end) in taken:
            continue
        if (match.start, match.end, match.label) in rejected:
            continue
        if any(_crosses(match.start, match.end, span) for span in existing):
            continue
        out.append(
            SuggestionView(match.start, match.end, match.text, label.key, label.name, label.colour)
        )
    return out


def parse_suggestion_keys(values: list[str]) -> set[tuple[int, int, str]]:
    keys = set()
    for value in values:
        parts = value.split(":")
        if len(parts) != 3 or not all(p.isdigit() and len(p) < 19 for p in parts[:2]):
            raise AnnotationError(
                "bad_choice", _("The choice “%(v)s” is not valid.") % {"v": value}
            )
        keys.add((int(parts[0]), int(parts[1]), parts[2]))
    return keys


def _chosen(
    document: Document, layer: AnnotationLayer | None, chosen: set[tuple[int, int, str]] | None
) -> list[SuggestionView]:
    """The current suggestions named by `chosen` (all of them when None); a choice that is
    no current suggestion refuses the whole request."""
    current = suggestions_for(document=document, layer=layer)
    if chosen is None:
        picked = current
    else:
        by_key = {(s.start, s.end, s.label): s for s in current}
        if not chosen <= by_key.keys():
            raise AnnotationError(
                "stale_suggestions",
                _("These suggestions changed since the page showed them; look again."),
            )
        picked = [by_key[key] for key in sorted(chosen)]
    if not picked:
        raise AnnotationError("nothing_chosen", _("There is no suggestion to take."))
    return picked


@transaction.atomic
def accept_suggestions(
    *,
    document: Document,
    user: User,
    chosen: set[tuple[int, int, str]] | None,
    version: int | None,
) -> list[Span]:
    """Turn the chosen suggestions (all when `chosen` is None) into spans of the user's
    layer, with origin "gazetteer", as one audited change (one undo)."""
    layer = AnnotationLayer.objects.filter(document=document, owner=user).first()
    if layer is not None:
        services.check_version(layer=layer, version=version)
    picked = _chosen(document, layer, chosen)
    layer = layer or services.get_or_create_layer(document=document, user=user)
    return services.add_spans(
        layer=layer,
        items=[(s.start, s.end, s.label) for s in picked],
        by=user,
        version=version,
        origin=ORIGIN,
    )


@transaction.atomic
def reject_suggestions(
    *, document: Document, user: User, chosen: set[tuple[int, int, str]] | None
) -> int:
    """Remember that the user does not want the chosen suggestions (all when None)."""
    existing = AnnotationLayer.objects.filter(document=document, owner=user).first()
    picked = _chosen(document, existing, chosen)
    layer = existing or services.get_or_create_layer(document=document, user=user)
    labels = {t.key: t.pk for t in EntityType.objects.filter(schema_id=document.project.schema_id)}
    RejectedSuggestion.objects.bulk_create(
        [
            RejectedSuggestion(
                layer=layer, start=s.start, end=s.end, entity_type_id=labels[s.label]
            )
            for s in picked
        ],
        ignore_conflicts=True,
    )
    return len(picked)
