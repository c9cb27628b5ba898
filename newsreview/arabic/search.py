"""Search the way Arabic is written: documents by full text, annotations by text and label.

PostgreSQL: the search columns of documents migrations 0003 and 0004. A document matches
when its `arabic` tsvector matches the query (ranked with ts_rank_cd) or when its
normalised text contains the normalised query (clitic forms: بفرنسا for فرنسا); when
nothing does, documents with a word similar to the query (pg_trgm word similarity: names
spelled another way, partial words). Snippets come from ts_headline over the original
text, for the page shown only. SQLite: a normalised substring scan in Python, enough for
a first run.

A document a big import has just written is *pending* (newsreview/documents/indexing.py):
no tsvector yet and no entry in either GIN index, only its normalised text. It is found
by that text (a substring match, as on SQLite) through the partial index of pending
documents, so an import is searchable from its commit; word matches, ranking and
similar words come once a background task has indexed it (seconds).

A query ranks at most MAX_RANKED documents (the first matches in table order, word
matches before substring ones) and counts no further: ranking or counting every match
of a common word reads every matching row, seconds over 100,000 documents. The list says
"more than 1,000" then (DocumentSearch.more).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Exists, FloatField, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe

from newsreview.annotations.models import AnnotationLayer, Span
from newsreview.documents.models import Document
from newsreview.projects.models import EntityType, EventType, Membership, Project

from .normalise import normalise, normalise_text

START_SEL, STOP_SEL = "\ue000", "\ue001"  # private-use markers, replaced after escaping
HEADLINE_OPTIONS = (
    f"StartSel={START_SEL}, StopSel={STOP_SEL}, MaxWords=24, MinWords=10, "
    "MaxFragments=2, FragmentDelimiter= … "
)
SNIPPET_CHARS = 60
MAX_QUERY = 200
SIMILAR_LIMIT = 50  # documents a similarity fallback lists at most (one page)
MAX_RANKED = 1_000  # documents a query ranks and lists at most ("more than 1,000")


# A substring of the normalised text, for indexed documents (through the partial pg_trgm
# index, whose predicate each arm must state for the planner to use it) and for pending
# ones (through the partial index of pending documents). Two bound LIKE patterns.
SUBSTRING_SQL = (
    "((documents_document.search_vector IS NOT NULL "
    "AND documents_document.search_text LIKE %s) "
    "OR (documents_document.search_vector IS NULL "
    "AND documents_document.search_text LIKE %s))"
)


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
    # A condition on the queryset's own rows, not `pk IN (SELECT … LIKE …)`: the
    # subquery would test the whole table (every project) before narrowing.
    pattern = like_pattern(core)
    return queryset.filter(
        RawSQL(  # noqa: S611  (constant SQL; the pattern is a bound parameter)
            SUBSTRING_SQL, [pattern, pattern], output_field=BooleanField()
        )
    )


# --- documents ---------------------------------------------------------------------------

SEARCH_FILTERS = ("status", "annotator", "label")


@dataclass
class DocumentSearch:
    """A document query: the filtered (and, with a query, ranked) queryset, and how to
    add snippets to the page of documents shown."""

    queryset: QuerySet[Document]
    query: str
    filters: dict[str, str]
    # More than MAX_RANKED documents match: the queryset holds MAX_RANKED of them.
    more: bool = False
    # The query as nr_normalise gives it (PostgreSQL), kept for the snippets.
    norm: str = ""

    @property
    def is_ranked(self) -> bool:
        return bool(self.query)

    @property
    def limit(self) -> int:
        """How many documents a query lists at most."""
        return MAX_RANKED

    def add_snippets(self, documents: Iterable[Document]) -> None:
        """Set `document.snippet` (safe HTML: escaped text, <mark> around the hits) on the
        documents of one page (only those: ts_headline reads a whole text), in at most
        two queries whatever the page holds. Documents that have one keep it."""
        documents = [d for d in documents if getattr(d, "snippet", None) is None]
        if not self.query or not documents:
            return
        ids = [d.pk for d in documents]
        headlines: dict[int, str] = {}
        if is_postgresql():
            norm = self.norm or sql_normalise(self.query)
            headlines = dict(
                Document.objects.filter(pk__in=ids).values_list(
                    "pk",
                    RawSQL(  # noqa: S611  (constant SQL; the query is a bound parameter)
                        "ts_headline('arabic'::regconfig, documents_document.text, "
                        "plainto_tsquery('arabic'::regconfig, %s), %s)",
                        [norm, HEADLINE_OPTIONS],
                    ),
                )
            )
        # No highlighted word: the hit was a clitic form or a similar word that the
        # stemmer does not relate; show where the normalised text contains it.
        plain = [pk for pk in ids if START_SEL not in headlines.get(pk, "")]
        texts = (
            dict(Document.objects.filter(pk__in=plain).values_list("pk", "text")) if plain else {}
        )
        for document in documents:
            headline = headlines.get(document.pk, "")
            if START_SEL not in headline:
                headline = _python_headline(texts.get(document.pk, ""), self.query)
            document.snippet = _marked(headline)

    def filters_context(self, project: Project) -> dict[str, Any]:
        """What the filter controls show: the choices and the current values."""
        return {
            **self.filters,
            "statuses": AnnotationLayer.Status.choices,
            "annotators": list(
                Membership.objects.filter(project=project)
                .order_by("user__username")
                .values_list("user__username", flat=True)
            ),
            "labels": list(
                EntityType.objects.filter(schema_id=project.schema_id).values_list(
                    "key", "name_en", "name_ar"
                )
            )
            + list(
                EventType.objects.filter(schema_id=project.schema_id).values_list(
                    "key", "name_en", "name_ar"
                )
            ),
        }


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
    narrowed to those with a layer in `status`, a layer of `annotator` (username) and a
    span labelled `label` (key) in some layer. Unknown filter values match nothing."""
    filters = {"status": status, "annotator": annotator, "label": label}
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
    query = query.strip()[:MAX_QUERY]
    if not query:
        return DocumentSearch(queryset, "", filters)
    if not is_postgresql():
        needle = normalise_text(query).strip()
        ids = [
            pk
            for pk, text, external_id in queryset.values_list(
                "pk", "text", "external_id"
            ).iterator()
            if (needle and needle in normalise_text(text)) or external_id == query
        ]
        # The same cap as PostgreSQL's, so both databases list and count alike.
        return DocumentSearch(
            queryset.filter(pk__in=ids[:MAX_RANKED]).order_by("pk"),
            query,
            filters,
            more=len(ids) > MAX_RANKED,
        )
    norm = sql_normalise(query)
    # Ranking every match of a common word reads every matching row (70,000 of 100,000
    # for الامن: seconds), so only the first MAX_RANKED + 1 matches in table order are
    # read, with their rank, each through its GIN index (bench/bench_arabic.py prints
    # the plans). Word matches first: a document matching only as a substring ranks 0,
    # below every word match, so when the words fill the list the rest cannot enter it.
    words, others = match_queries(queryset, norm, query)
    ranked = list(words[: MAX_RANKED + 1])
    if len(ranked) <= MAX_RANKED:
        # Every word match is known: take enough substring matches to fill the list
        # after dropping those (`NOT words` in SQL would read every word match first,
        # and every row of the trigram index's candidates, to find none).
        seen = {pk for pk, _rank in ranked}
        substrings = others[: MAX_RANKED + 1 + len(seen)]
        ranked += [(pk, 0.0) for pk in substrings if pk not in seen][: MAX_RANKED + 1 - len(ranked)]
    if not ranked:
        return _similar(queryset, norm, query, filters)
    more = len(ranked) > MAX_RANKED
    ranked.sort(key=lambda row: (-row[1], row[0]))
    return _ranked_search(
        [pk for pk, _rank in ranked[:MAX_RANKED]], queryset, query, norm, filters, more
    )


def match_queries(queryset: QuerySet[Document], norm: str, query: str) -> tuple[QuerySet, QuerySet]:
    """PostgreSQL: the `(pk, rank)` of the documents of `queryset` whose words match the
    normalised query `norm`, and the `pk` of those that contain it as a substring
    (clitic forms: بفرنسا for فرنسا, what the stemmer misses; word matches too, mostly)
    or have `query` as their external id. Unordered and unsliced: search_documents
    takes the first ones."""
    # Constant SQL text; the user's query travels only as bound parameters (%s).
    words = RawSQL(  # noqa: S611
        "documents_document.search_vector @@ plainto_tsquery('arabic'::regconfig, %s)",
        [norm],
        output_field=BooleanField(),
    )
    pattern = like_pattern(norm)
    others = RawSQL(  # noqa: S611
        f"{SUBSTRING_SQL} OR documents_document.external_id = %s",
        [pattern, pattern, query],
        output_field=BooleanField(),
    )
    rank = RawSQL(  # noqa: S611
        "ts_rank_cd(documents_document.search_vector, plainto_tsquery('arabic'::regconfig, %s))",
        [norm],
        output_field=FloatField(),
    )
    return (
        queryset.filter(words).order_by().annotate(rank=rank).values_list("pk", "rank"),
        queryset.filter(others).order_by().values_list("pk", flat=True),
    )


def _ranked_search(
    ids: list[int],
    queryset: QuerySet[Document],
    query: str,
    norm: str,
    filters: dict[str, str],
    more: bool,
) -> DocumentSearch:
    """The documents `ids` of `queryset`, in that order (PostgreSQL)."""
    order = RawSQL(  # noqa: S611  (constant SQL; the ids are a bound array)
        "array_position(%s::bigint[], documents_document.id)", [ids], output_field=FloatField()
    )
    return DocumentSearch(
        queryset.filter(pk__in=ids).order_by(order.asc()), query, filters, more=more, norm=norm
    )


def _similar(
    queryset: QuerySet[Document], norm: str, query: str, filters: dict[str, str]
) -> DocumentSearch:
    """Nothing spelled so: documents with a word similar to the query (a name spelled
    another way, a partial word), by pg_trgm word similarity. Only the first
    SIMILAR_LIMIT in table order (no ORDER BY, so the scan stops there): each candidate
    the trigram index gives costs a word_similarity over its whole text, and a query
    made of common trigrams has thousands."""
    # Indexed documents only: the condition lets the partial pg_trgm index serve.
    similar = RawSQL(  # noqa: S611
        "documents_document.search_vector IS NOT NULL AND %s <%% documents_document.search_text",
        [norm],
        output_field=BooleanField(),
    )
    scored = RawSQL(  # noqa: S611
        "word_similarity(%s, documents_document.search_text)", [norm], output_field=FloatField()
    )
    rows = list(
        queryset.filter(similar)
        .order_by()
        .annotate(score=scored)
        .values_list("pk", "score")[:SIMILAR_LIMIT]
    )
    rows.sort(key=lambda row: (-row[1], row[0]))
    return _ranked_search([pk for pk, _score in rows], queryset, query, norm, filters, False)


# --- annotations -------------------------------------------------------------------------

MAX_HITS = 500


@dataclass(frozen=True)
class AnnotationHit:
    """One span found by text and label, with what links to it in its document."""

    span_id: int
    layer_id: int
    layer_name: str
    is_own: bool
    document_id: int
    document_title: str
    start: int
    end: int
    text: str
    label: str
    before: str
    after: str


def search_annotations(
    *, user: Any, project: Project, query: str, label: str = ""
) -> tuple[list[AnnotationHit], bool]:
    """Spans of the layers `user` may read in `project` whose normalised text contains the
    normalised `query` (every PERS span matching حموشي), optionally with label `label`;
    at most MAX_HITS, in document order. Returns (hits, whether more were left out)."""
    query = query.strip()[:MAX_QUERY]
    if not query:
        return [], False
    layers = AnnotationLayer.objects.viewable_by(user).filter(document__project=project)
    spans = Span.objects.filter(layer__in=layers.values("pk"))
    if label:
        spans = spans.filter(Q(entity_type__key=label) | Q(event_type__key=label))
    fields = (
        "pk", "layer_id", "layer__owner_id", "layer__owner__username", "layer__name",
        "layer__kind", "layer__document_id", "start", "end", "text",
        "entity_type__key", "event_type__key",
    )  # fmt: skip
    if is_postgresql():
        pattern = like_pattern(sql_normalise(query))
        spans = spans.filter(
            RawSQL(  # noqa: S611  (constant SQL; the pattern is a bound parameter)
                "nr_normalise(annotations_span.text) LIKE %s",
                [pattern],
                output_field=BooleanField(),
            )
        )
        rows = list(
            spans.order_by("layer__document_id", "start", "pk").values_list(*fields)[: MAX_HITS + 1]
        )
    else:
        needle = normalise_text(query).strip()
        rows = []
        for row in spans.order_by("layer__document_id", "start", "pk").values_list(*fields):
            if needle in normalise_text(row[9]):
                rows.append(row)
                if len(rows) > MAX_HITS:
                    break
    more = len(rows) > MAX_HITS
    rows = rows[:MAX_HITS]
    documents = dict(
        Document.objects.filter(pk__in={r[6] for r in rows}).values_list("pk", "title")
    )
    texts = dict(Document.objects.filter(pk__in={r[6] for r in rows}).values_list("pk", "text"))
    hits = []
    for pk, layer_id, owner_id, username, name, kind, doc_id, start, end, text, ent, evt in rows:
        body = texts[doc_id]
        before = body[max(0, start - SNIPPET_CHARS // 2) : start].rsplit("\n", 1)[-1]
        after = body[end : end + SNIPPET_CHARS // 2].split("\n", 1)[0]
        hits.append(
            AnnotationHit(
                span_id=pk,
                layer_id=layer_id,
                layer_name=username or name or kind,
                is_own=owner_id == user.pk,
                document_id=doc_id,
                document_title=documents[doc_id],
                start=start,
                end=end,
                text=text,
                label=ent or evt,
                before=before,
                after=after,
            )
        )
    return hits, more
