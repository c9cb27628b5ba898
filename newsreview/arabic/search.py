"""Search the way Arabic is written: documents by full text, annotations by text and label.

PostgreSQL: the generated columns of documents migration 0003_search. A document matches
when its `arabic` tsvector matches the query (ranked with ts_rank_cd), when its normalised
text contains the normalised query (clitic forms: بفرنسا for فرنسا), or when a word of it
is similar to the query (pg_trgm word similarity: names, partial words); snippets come
from ts_headline over the original text. SQLite: a normalised substring scan in Python,
enough for a first run.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe

from newsreview.annotations.models import AnnotationLayer, Span
from newsreview.documents.models import Document

from .normalise import normalise, normalise_text

START_SEL, STOP_SEL = "\ue000", "\ue001"  # private-use markers, replaced after escaping
HEADLINE_OPTIONS = (
    f"StartSel={START_SEL}, StopSel={STOP_SEL}, MaxWords=24, MinWords=10, "
    "MaxFragments=2, FragmentDelimiter= … "
)
SNIPPET_CHARS = 60


def like_pattern(text: str) -> str:
    """`%text%` for LIKE, with LIKE's own wildcards in `text` escaped (backslash is the
    default escape character in PostgreSQL)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def sql_normalise(text: str) -> str:
    """`nr_normalise(text)` as PostgreSQL computes it (the columns are built with it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nr_normalise(%s)", [text])
        return cursor.fetchone()[0] or ""


def documents_possibly_containing(queryset: QuerySet[Document], needle: str) -> QuerySet:
    """Narrow `queryset` to documents whose normalised text contains the core of `needle`
    (from its second letter when it starts with the article, for «لل»), using the pg_trgm
    index on PostgreSQL. A superset of the documents matching.find_mentions will match;
    on SQLite the queryset is returned as it is."""
    if not is_postgresql():
        return queryset
    norm = normalise(needle)
    if not norm.text.strip():
        return queryset.none()
    core_start = 1 if norm.text.startswith("ال") and len(norm.text) > 2 else 0
    start, end = norm.to_original(core_start, len(norm.text))
    core = sql_normalise(needle[start:end])
    return queryset.filter(
        pk__in=RawSQL(
            "SELECT id FROM documents_document WHERE search_text LIKE %s", [like_pattern(core)]
        )
    )


# --- documents ---------------------------------------------------------------------------


@dataclass
class DocumentSearch:
    """A document query: the queryset (filtered, ranked) and how to get its snippets."""

    queryset: QuerySet[Document]
    query: str

    def snippets(self, documents: list[Document]) -> None:
        """Set `document.snippet` (safe HTML: escaped text, <mark> around hits)."""
        for document in documents:
            headline = getattr(document, "headline", None)
            # No highlighted word: the hit was a clitic form or a similar word, which the
            # stemmer does not relate; show where the normalised text contains it.
            if headline is None or START_SEL not in headline:
                headline = _python_headline(document.text, self.query)
            document.snippet = _marked(headline)


def _marked(headline: str) -> SafeString:
    escaped = html.escape(headline, quote=False)
    # The markers are private-use characters, untouched by escaping.
    return mark_safe(  # noqa: S308  (escaped above; only our own tags are added)
        escaped.replace(START_SEL, "<mark>").replace(STOP_SEL, "</mark>")
    )


def _python_headline(text: str, query: str) -> str:
    """A snippet around the first normalised hit (SQLite, or no tsvector hit)."""
    norm = normalise(text)
    needle = normalise_text(query).strip()
    at = norm.text.find(needle) if needle else -1
    if at == -1:
        return text[: SNIPPET_CHARS * 2]
    start, end = norm.to_original(at, at + len(needle))
    before = text[max(0, start - SNIPPET_CHARS) : start].rsplit("\n", 1)[-1]
    after = text[end : end + SNIPPET_CHARS].split("\n", 1)[0]
    return f"…{before}{START_SEL}{text[start:end]}{STOP_SEL}{after}…"


def search_documents(
    queryset: QuerySet[Document],
    query: str,
    *,
    status: str = "",
    annotator: str = "",
    label: str = "",
) -> DocumentSearch:
    """Documents of `queryset` matching `query` (ranked, best first, when there is one),
    narrowed by the status of some layer, a layer of `annotator` (username) and a span
    labelled `label` (key) in some layer."""
    layers = AnnotationLayer.objects.filter(document=OuterRef("pk"))
    if status:
        queryset = queryset.filter(Exists(layers.filter(status=status)))
    if annotator:
        queryset = queryset.filter(Exists(layers.filter(owner__username=annotator)))
    if label:
        spans = Span.objects.filter(layer__document=OuterRef("pk"))
        queryset = queryset.filter(
            Exists(spans.filter(entity_type__key=label))
            | Exists(spans.filter(event_type__key=label))
        )
    query = query.strip()
    if not query:
        return DocumentSearch(queryset, query)
    if not is_postgresql():
        needle = normalise_text(query).strip()
        ids = [
            pk
            for pk, text in queryset.values_list("pk", "text").iterator()
            if needle and needle in normalise_text(text)
        ]
        return DocumentSearch(queryset.filter(pk__in=ids), query)
    norm = sql_normalise(query)
    # Constant SQL text; the user's query travels only as bound parameters (%s).
    tsquery = "plainto_tsquery('arabic'::regconfig, %s)"
    matches = RawSQL(  # noqa: S611
        f"(documents_document.search_vector @@ {tsquery} "
        "OR documents_document.search_text LIKE %s "
        "OR %s <%% documents_document.search_text)",
        [norm, like_pattern(norm), norm],
    )
    rank = RawSQL(  # noqa: S611
        f"ts_rank_cd(documents_document.search_vector, {tsquery}) "
        "+ word_similarity(%s, documents_document.search_text)",
        [norm, norm],
    )
    headline = RawSQL(  # noqa: S611
        f"ts_headline('arabic'::regconfig, documents_document.text, {tsquery}, %s)",
        [norm, HEADLINE_OPTIONS],
    )
    queryset = (
        queryset.annotate(search_match=matches)
        .filter(search_match=True)
        .annotate(rank=rank, headline=headline)
        .order_by(F("rank").desc(), "pk")
    )
    return DocumentSearch(queryset, query)
