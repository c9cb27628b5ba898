"""Label all mentions: find the other occurrences of a labelled span's text (in its document,
or in the annotator's other documents of the project) and label the accepted ones.

Matching follows matching.py (normalised, whole words, proclitics outside, never across a
line break). Writes go through annotations.services.add_spans, so the mentions of one
document are one audited change that one undo removes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.annotations import services
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.models import AnnotationLayer, Span
from newsreview.documents.models import Document

from .matching import find_mentions
from .search import documents_possibly_containing

CONTEXT_CHARS = 40
ORIGIN = "mentions"
BATCH = 200  # documents read at a time in a project-wide run
FIRST_BATCH = 50  # a smaller first one: a limited search often ends in it
MAX_LISTED = 1_000  # mentions a project-wide search lists (search_project_mentions)

Progress = Callable[[int, int], None]  # (documents done, documents in all)


@dataclass(frozen=True)
class Mention:
    """One proposed occurrence, with a few words around it on its own line."""

    document_id: int
    document_title: str
    start: int
    end: int
    text: str
    before: str
    after: str

    @property
    def key(self) -> str:
        """How a preview's checkbox names it: `document:start:end`."""
        return f"{self.document_id}:{self.start}:{self.end}"


def context(text: str, start: int, end: int) -> tuple[str, str]:
    """Up to CONTEXT_CHARS code points before and after `[start, end)`, within its line."""
    before = text[max(0, start - CONTEXT_CHARS) : start].rsplit("\n", 1)[-1]
    after = text[end : end + CONTEXT_CHARS].split("\n", 1)[0]
    return before, after


def _label_filter(span: Span) -> dict[str, int]:
    if span.entity_type_id is not None:
        return {"entity_type_id": span.entity_type_id}
    return {"event_type_id": span.event_type_id}


def _mentions_in(
    document_id: int, title: str, text: str, needle: str, labelled: set[tuple[int, int]]
) -> list[Mention]:
    out = []
    for match in find_mentions(text, needle):
        if (match.start, match.end) in labelled:
            continue
        before, after = context(text, match.start, match.end)
        out.append(Mention(document_id, title, match.start, match.end, match.text, before, after))
    return out


def document_mentions(*, layer: AnnotationLayer, span: Span) -> list[Mention]:
    """The other occurrences of `span`'s text in its document that `layer` does not
    already label with the span's label (the span itself included in that)."""
    document = layer.document
    labelled = set(
        Span.objects.filter(layer=layer, **_label_filter(span)).values_list("start", "end")
    )
    return _mentions_in(document.pk, document.title, document.text, span.text, labelled)


def _editable_documents(document: Document, user: User) -> Iterable[int]:
    """The user's other documents of the project they may open and still edit (a layer
    marked done or reviewed is closed until reopened)."""
    closed = AnnotationLayer.objects.filter(
        owner=user,
        document__project_id=document.project_id,
        status__in=[AnnotationLayer.Status.DONE, AnnotationLayer.Status.REVIEWED],
    ).values("document_id")
    # visible_to: in an assigned-mode project, only the documents assigned to the user.
    return (
        Document.objects.visible_to(user)
        .filter(project_id=document.project_id)
        .exclude(pk=document.pk)
        .exclude(pk__in=closed)
    )


@dataclass(frozen=True)
class ProjectMentions:
    """A project-wide search's result: the mentions found, and how many of the candidate
    documents were left unsearched because the list was full (`limit`). Those documents
    contain the text's letters but may not mention it as a whole word, hence "may"."""

    mentions: list[Mention]
    unsearched: int = 0


def project_mentions(
    *,
    layer: AnnotationLayer,
    span: Span,
    progress: Progress | None = None,
    only: set[int] | None = None,
) -> list[Mention]:
    """document_mentions, then the same search in every one of the annotator's other open
    documents of the project (their own layers there); see search_project_mentions.
    `only` narrows the other documents to these ids (checking an accepted choice)."""
    return search_project_mentions(layer=layer, span=span, progress=progress, only=only).mentions


def search_project_mentions(
    *,
    layer: AnnotationLayer,
    span: Span,
    progress: Progress | None = None,
    only: set[int] | None = None,
    limit: int | None = None,
) -> ProjectMentions:
    """document_mentions, then the same search in the annotator's other open documents of
    the project, in document order. The database first narrows the documents to those
    whose normalised text contains the needle (search.py's trigram index), so the cost
    follows the number of documents that mention it, not the size of the project. With
    `limit`, the search stops after the document that brings the list to `limit`
    mentions: a word in every document would otherwise list (and cost) hundreds of
    thousands, more than anyone checks at once; labelling the listed ones and looking
    again brings the next ones (labelled mentions are not proposed). `progress` hears
    (done, total) after each batch: a background job reports it (see tasks.py)."""
    user = layer.owner
    found = document_mentions(layer=layer, span=span)
    editable = _editable_documents(layer.document, user)
    if only is not None:
        editable = editable.filter(pk__in=only)
    ids = list(
        documents_possibly_containing(editable, span.text)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    total = len(ids)
    if progress is not None:
        progress(0, total)
    label = _label_filter(span)
    done, size = 0, FIRST_BATCH
    while done < total and (limit is None or len(found) < limit):
        batch = ids[done : done + size]
        size = BATCH
        labelled: dict[int, set[tuple[int, int]]] = {}
        for document_id, start, end in Span.objects.filter(
            layer__owner=user, layer__document_id__in=batch, **label
        ).values_list("layer__document_id", "start", "end"):
            labelled.setdefault(document_id, set()).add((start, end))
        texts = {
            pk: (title, text)
            for pk, title, text in Document.objects.filter(pk__in=batch).values_list(
                "pk", "title", "text"
            )
        }
        for pk in batch:
            done += 1
            if pk in texts:  # else deleted meanwhile
                title, text = texts[pk]
                found.extend(_mentions_in(pk, title, text, span.text, labelled.get(pk, set())))
            if limit is not None and len(found) >= limit:
                break
        if progress is not None:
            progress(done, total)
    return ProjectMentions(found, total - done)


def parse_keys(values: Iterable[str]) -> set[tuple[int, int, int]]:
    """`document:start:end` keys from a form; anything else is refused."""
    keys = set()
    for value in values:
        parts = value.split(":")
        if len(parts) != 3 or not all(p.isdigit() and len(p) < 19 for p in parts):
            raise AnnotationError(
                "bad_choice", _("The choice “%(v)s” is not valid.") % {"v": value}
            )
        keys.add((int(parts[0]), int(parts[1]), int(parts[2])))
    return keys


@transaction.atomic
def label_mentions(
    *,
    layer: AnnotationLayer,
    span: Span,
    chosen: set[tuple[int, int, int]],
    by: User,
    version: int | None,
    project_wide: bool = False,
) -> dict[int, int]:
    """Label the chosen mentions of `span` with its label: in `span`'s document as one
    audited change on `layer` (checked against `version`), and in each other document as
    one change on the user's layer there. Every choice must be a current mention (the
    preview is recomputed), else nothing is written. Returns spans added per document."""
    if not chosen:
        raise AnnotationError("nothing_chosen", _("Choose at least one mention to label."))
    mentions = (
        project_mentions(layer=layer, span=span, only={key[0] for key in chosen})
        if project_wide
        else document_mentions(layer=layer, span=span)
    )
    current = {(m.document_id, m.start, m.end) for m in mentions}
    if not chosen <= current:
        raise AnnotationError(
            "stale_mentions",
            _("Some of these mentions are no longer there or already labelled; look again."),
        )
    by_document: dict[int, list[tuple[int, int]]] = {}
    for document_id, start, end in sorted(chosen):
        by_document.setdefault(document_id, []).append((start, end))
    label = span.label
    added: dict[int, int] = {}
    here = layer.document_id
    if here in by_document:
        spans = services.add_spans(
            layer=layer,
            items=[(start, end, label) for start, end in by_document.pop(here)],
            by=by,
            version=version,
            origin=ORIGIN,
        )
        added[here] = len(spans)
    else:
        services.check_version(layer=layer, version=version)
    documents = Document.objects.filter(pk__in=by_document).order_by("pk")
    for document in documents:
        other = services.get_or_create_layer(document=document, user=by)
        spans = services.add_spans(
            layer=other,
            items=[(start, end, label) for start, end in by_document[document.pk]],
            by=by,
            origin=ORIGIN,
        )
        added[document.pk] = len(spans)
    return added
