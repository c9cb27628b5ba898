"""Arabic tools (issue 13) on PostgreSQL: label-all-mentions preview, document search and
gazetteer suggestions. Prints each figure next to its target and the plan of the search
query; asserts nothing (DEVELOPERS.md: targets live in benchmarks, not tests).

Targets: label-all-mentions preview in one 20,000-character document < 100 ms, over a
project of 10,000 documents < 2 s; document search over 100,000 documents < 200 ms p50
with the index; gazetteer suggestions for one document with a 50,000-entry gazetteer
< 100 ms.

The corpus is generated once (kept between runs): sentences of words drawn with news-like
(Zipf) frequencies from the seed article's words and 20,000 rarer ones, with a person
name from a list of 2,000 in each sentence of a document. The seed's name حموشي is one of
them (about 1 document in 20), as a name is in a real project; the worst case for the
mentions preview, a word in every document, is printed too, and the search prints how
many documents each query matches.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nr_bench_arabic \\
        .venv/bin/python bench/bench_arabic.py
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import sys
import time
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nr_bench_arabic")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsreview.settings")

SEARCH_DOCUMENTS = 100_000
PROJECT_DOCUMENTS = 10_000
GAZETTEER_ENTRIES = 50_000
ONE_DOCUMENT_CHARS = 20_000
RUNS = 15
TARGETS_MS = {
    "mentions preview, one 20,000-char document": 100,
    "mentions preview, project of 10,000 documents": 2_000,
    "mentions preview, 10,000 documents, a word in every one": 2_000,
    "document search p50, 100,000 documents": 200,
    "gazetteer suggestions, 50,000 entries, one document": 100,
}
FIRST = ["محمد", "أحمد", "يوسف", "عبد الله", "كريم", "سعيد", "فاطمة", "خديجة", "مريم", "ليلى"]
LAST = ["العلوي", "بنعلي", "الإدريسي", "التازي", "الفاسي", "برادة", "بنكيران", "الشرقاوي"]


def _ensure_database() -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("bench_arabic.py measures PostgreSQL's search: set DATABASE_URL to one.")
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def _setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _names(rng: random.Random) -> list[str]:
    names = {"عبد اللطيف حموشي", "فريديريك ڤـــو", "نيكولا لورنر"}
    while len(names) < 2_000:
        names.add(f"{rng.choice(FIRST)} {rng.choice(LAST)}{rng.randint(1, 400)}")
    return sorted(names)


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Words with news-like (Zipf) frequencies: the seed article's words spread over the
    400 most frequent ranks, then 20,000 rarer made-up words."""
    seed = (ROOT / "newsreview/documents/seed/article-ar.txt").read_text("utf-8")
    common = sorted({w for w in re.findall(r"\w+", seed) if w != "حموشي"})
    rng.shuffle(common)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    rare = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 8))) for _ in range(20_000)}
    words = common + sorted(rare - set(common))
    # Cumulative weights, computed once: random.choices would add them up on every call.
    return words, list(accumulate(1 / (rank + 1) for rank in range(len(words))))


def _document(
    rng: random.Random, vocabulary: tuple[list[str], list[float]], names: list[str], chars: int
) -> str:
    """Sentences of Zipf-drawn words, each with the document's person name in it; the name
    is حموشي's in about 1 document in 20."""
    words, cumulative = vocabulary
    name = "عبد اللطيف حموشي" if rng.random() < 0.05 else rng.choice(names)
    lines, length = [], 0
    while length < chars:
        sentence = rng.choices(words, cum_weights=cumulative, k=12)
        sentence.insert(rng.randint(0, 12), f"السيد {name}")
        line = " ".join(sentence) + "."
        lines.append(line)
        length += len(line) + 1
    return "\n".join(lines)


def _project(slug: str, schema, user):
    """The project, with the bench's user as an annotator: every service answers only
    what its user may see (a stranger's project-wide search finds no document at all)."""
    from newsreview.projects.models import Membership, Project

    project, _created = Project.objects.get_or_create(
        slug=slug, defaults={"name": slug, "schema": schema}
    )
    Membership.objects.get_or_create(
        project=project, user=user, defaults={"role": Membership.Role.ANNOTATOR}
    )
    return project


def _fill(project, count: int, chars: int, seed: int) -> None:
    """`count` documents of about `chars` characters. The search indexes are dropped during
    the load and built after it (CREATE INDEX builds a GIN index far faster than row by
    row inserts), with the definitions of documents migration 0004 (partial indexes)."""
    from django.db import connection, transaction

    from newsreview.documents.models import Document, text_checksum

    have = Document.objects.filter(project=project).count()
    if have == count:
        return
    Document.objects.filter(project=project).delete()
    rng = random.Random(seed)
    vocabulary, names = _vocabulary(rng), _names(rng)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS document_search_vector_idx")
        cursor.execute("DROP INDEX IF EXISTS document_search_trgm_idx")
    for first in range(0, count, 2_000):
        batch = []
        for number in range(first, min(first + 2_000, count)):
            text = _document(rng, vocabulary, names, chars)
            batch.append(
                Document(
                    project=project,
                    title=f"{number}: {text[:60]}",
                    text=text,
                    checksum=text_checksum(text),
                )
            )
        with transaction.atomic():
            Document.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX document_search_vector_idx ON documents_document "
            "USING gin (search_vector) WHERE search_vector IS NOT NULL"
        )
        cursor.execute(
            "CREATE INDEX document_search_trgm_idx ON documents_document "
            "USING gin (search_text gin_trgm_ops) WHERE search_vector IS NOT NULL"
        )
        cursor.execute("ANALYZE documents_document")
    print(
        f"  loaded {count:,} documents into {project.slug} in {time.perf_counter() - started:.0f} s"
    )


CPU_MS: dict[str, float] = {}  # figure → this process's median CPU time (not the server's)


def _median_ms(action, runs: int = RUNS, name: str = "") -> float:
    """The median wall time of `action` in ms; its median CPU time (this process only:
    PostgreSQL's work is on the server's side) goes to CPU_MS[name]."""
    action()  # warm: caches, the plan, the Unicode table of normalise.py
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    if name:
        CPU_MS[name] = statistics.median(cpu)
    return statistics.median(times)


def _layer_with_span(document, user, word: str):
    from newsreview.annotations import services
    from newsreview.annotations.models import Span

    layer = services.get_or_create_layer(document=document, user=user)
    span = Span.objects.filter(layer=layer, text=word).first()
    if span is None:
        start = document.text.index(word)
        span = services.add_span(
            layer=layer, start=start, end=start + len(word), label="PERS", by=user
        )
    layer.refresh_from_db()
    return layer, span


def main() -> int:
    _ensure_database()
    _setup()
    from django.db import connection

    from newsreview.accounts.models import User
    from newsreview.arabic import gazetteer, mentions
    from newsreview.arabic.models import GazetteerEntry
    from newsreview.arabic.search import (
        MAX_RANKED,
        like_pattern,
        match_queries,
        search_documents,
        sql_normalise,
    )
    from newsreview.arabic.tasks import find_project_mentions
    from newsreview.documents.listing import ListFilters, filtered_documents
    from newsreview.documents.models import Document
    from newsreview.projects.models import EntityType, Membership
    from newsreview.projects.services import install_default_schema

    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    schema = install_default_schema()
    user, _created = User.objects.get_or_create(username="bench-arabic")
    figures: dict[str, float] = {}

    # 1. One 20,000-character document: the seed article repeated.
    one = _project("bench-arabic-one", schema, user)
    seed = (ROOT / "newsreview/documents/seed/article-ar.txt").read_text("utf-8")
    text = (seed + "\n") * (ONE_DOCUMENT_CHARS // len(seed) + 1)
    text = text[:ONE_DOCUMENT_CHARS].rsplit(" ", 1)[0]
    document = Document.objects.filter(project=one).first() or Document.objects.create(
        project=one, title="seed ×7", text=text
    )
    layer, span = _layer_with_span(document, user, "حموشي")
    found = mentions.document_mentions(layer=layer, span=span)
    name = "mentions preview, one 20,000-char document"
    figures[name] = _median_ms(
        lambda: mentions.document_mentions(layer=layer, span=span), name=name
    )
    print(f"  one document: {len(found)} mentions of «{span.text}»")

    # 2. A project of 10,000 documents.
    ten = _project("bench-arabic-10k", schema, user)
    _fill(ten, PROJECT_DOCUMENTS, 1_500, seed=10)
    first = Document.objects.filter(project=ten, text__contains="حموشي").order_by("pk").first()
    layer, span = _layer_with_span(first, user, "حموشي")

    # What the preview waits for: the background job's work (find_project_mentions: the
    # candidate documents from the trigram index, the exact matcher on them, at most
    # mentions.MAX_LISTED listed) and its JSON result, written and read back.
    def job(span) -> dict:
        result = find_project_mentions(span_id=span.pk, user_id=user.pk)
        return json.loads(json.dumps(result, ensure_ascii=False))

    for name, word, runs in [
        ("mentions preview, project of 10,000 documents", "حموشي", 5),
        # The worst case: a word every document has (السيد precedes every name).
        ("mentions preview, 10,000 documents, a word in every one", "السيد", 5),
    ]:
        _layer, word_span = _layer_with_span(first, user, word)
        result = job(word_span)
        figures[name] = _median_ms(lambda word_span=word_span: job(word_span), runs, name)
        listed = result["mentions"]
        print(
            f"  10,000 documents, «{word}»: {len(listed):,} mentions listed in "
            f"{len({m['document_id'] for m in listed}):,} documents, "
            f"{result['unsearched']:,} documents left for the next run"
        )
        # For comparison, the exhaustive search (what the job did before the limit).
        started, started_cpu = time.perf_counter(), time.process_time()
        every = mentions.project_mentions(layer=_layer, span=word_span)
        print(
            f"    exhaustive: {len(every):,} mentions in "
            f"{(time.perf_counter() - started) * 1000:,.0f} ms "
            f"(CPU {(time.process_time() - started_cpu) * 1000:,.0f} ms)"
        )

    # 3. Document search over 100,000 documents.
    big = _project("bench-arabic-100k", schema, user)
    _fill(big, SEARCH_DOCUMENTS, 600, seed=100)
    # Names and terms as people type them (other spellings included), and a misspelt name
    # (no exact hit: the pg_trgm similarity fallback).
    queries = ["حمّوشي", "الامن", "مسئولين", "العلوي12", "بنكيران", "المملكه المغربيه", "نيكولاس"]
    # What the document list searches: the documents its user may see (listing.py).
    base = filtered_documents(big, user, Membership.Role.ANNOTATOR, ListFilters())

    def search(query: str) -> tuple[int, bool]:
        """What the list does for a query: first page, its snippets and the (capped)
        count its pagination shows."""
        result = search_documents(base, query)
        page = list(result.queryset.only("id", "title")[:50])
        result.add_snippets(page)
        return result.queryset.count(), result.more

    times, cpu = [], []
    for query in queries:
        search(query)
    per_query: dict[str, list[float]] = {query: [] for query in queries}
    for _ in range(3):
        for query in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            search(query)
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - started_cpu) * 1000)
            times.append(elapsed)
            per_query[query].append(elapsed)
    name = "document search p50, 100,000 documents"
    figures[name], CPU_MS[name] = statistics.median(times), statistics.median(cpu)
    print(f"  search p90: {statistics.quantiles(times, n=10)[-1]:.0f} ms")
    for query in queries:
        listed, more = search(query)
        with connection.cursor() as cursor:  # for information: every match, counted once
            norm = sql_normalise(query)
            cursor.execute(
                "SELECT count(*) FROM documents_document WHERE project_id = %s AND "
                "(search_vector @@ plainto_tsquery('arabic'::regconfig, %s) "
                "OR search_text LIKE %s)",  # every match, indexed or pending
                [big.pk, norm, like_pattern(norm)],
            )
            matching = cursor.fetchone()[0]
        print(
            f"  «{query}»: {matching:,} documents match, {listed:,} listed"
            f"{' (more than the limit)' if more else ''}, "
            f"{statistics.median(per_query[query]):.0f} ms (first page, snippets, count)"
        )
    for query in ["حمّوشي", "الامن"]:
        norm = sql_normalise(query)
        words, _others = match_queries(base, norm, query)
        _explain(f"«{query}», the word matches read (ranked)", words[: MAX_RANKED + 1])
    # Read only when the word matches do not fill the list (not for these two).
    norm = sql_normalise("المملكه المغربيه")
    words, others = match_queries(base, norm, "المملكه المغربيه")
    known = len(words[: MAX_RANKED + 1])
    _explain("«المملكه المغربيه», the substring matches read", others[: MAX_RANKED + 1 + known])
    _explain(
        "«الامن», the page",
        search_documents(base, "الامن").queryset.only("id", "title")[:50],
    )

    # 4. Gazetteer suggestions with 50,000 entries.
    labels = {t.key: t for t in EntityType.objects.filter(schema=schema)}
    if GazetteerEntry.objects.filter(project=one).count() != GAZETTEER_ENTRIES:
        GazetteerEntry.objects.filter(project=one).delete()
        rng = random.Random(50)
        entries: dict[str, str] = {"حموشي": "PERS", "باريس": "GPE", "فرنسا": "GPE"}
        while len(entries) < GAZETTEER_ENTRIES:
            words = rng.randint(1, 3)
            name = " ".join(
                rng.choice(FIRST + LAST) + str(rng.randint(1, 9_999)) for _ in range(words)
            )
            entries[name] = rng.choice(["PERS", "ORG", "GPE", "LOC"])
        from newsreview.arabic.models import normalised_key

        GazetteerEntry.objects.bulk_create(
            GazetteerEntry(
                project=one,
                text=name,
                normalised=normalised_key(name),
                entity_type=labels[key],
                source="upload",
            )
            for name, key in entries.items()
        )
    gazetteer._compiled.clear()
    started = time.perf_counter()
    suggestions = gazetteer.suggestions_for(document=document, layer=layer_for(document, user))
    cold = (time.perf_counter() - started) * 1000
    name = "gazetteer suggestions, 50,000 entries, one document"
    figures[name] = _median_ms(
        lambda: gazetteer.suggestions_for(document=document, layer=layer_for(document, user)),
        name=name,
    )
    print(
        f"  gazetteer: {len(suggestions)} suggestions; first call with the 50,000 entries "
        f"read and compiled: {cold:.0f} ms (then cached per process until an entry changes)"
    )

    print()
    width = max(len(name) for name in TARGETS_MS)
    # CPU: this process's median (Python: matching, normalising, the ORM); PostgreSQL's
    # share is on the server (the plans above give its execution times).
    print(f"{'figure':<{width}}  {'measured':>10}  {'CPU here':>10}  {'target':>8}")
    for name, target in TARGETS_MS.items():
        value = figures[name]
        verdict = "ok" if value < target else "OVER"
        cpu = f"{CPU_MS[name]:>8.1f}ms" if name in CPU_MS else f"{'':>10}"
        print(f"{name:<{width}}  {value:>8.1f}ms  {cpu}  <{target:>6}ms  {verdict}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


def _explain(title: str, queryset) -> None:
    """Print the plan PostgreSQL ran `queryset` with (EXPLAIN ANALYZE)."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print(f"  plan of {title}:")
        for (line,) in cursor.fetchall():
            # The page's thousand ids, as an array literal, would fill the screen.
            print("    " + re.sub(r"'\{[0-9,]{80,}\}'", "'{…ids…}'", line))


def layer_for(document, user):
    from newsreview.annotations.models import AnnotationLayer

    return AnnotationLayer.objects.filter(document=document, owner=user).first()


if __name__ == "__main__":
    sys.exit(main())
