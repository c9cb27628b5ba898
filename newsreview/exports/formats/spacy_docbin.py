"""spaCy v3 DocBin (FORMATS.md §6): one `Doc` per (document, layer), built from the §4
tokens with `Doc(vocab, words, spaces)` so that `doc.text` is the stored text and every
span aligns strictly. `doc.ents` holds the flat selection, `doc.spans["sc"]` every entity
span (nested and overlapping included), `doc.spans["triggers"]` the triggers, and
`doc.user_data["newsreview"]` the document id, layer and events (code point offsets).

Tokens are always split at span boundaries here (`--align` is a CoNLL/HF option): the
DocBin keeps exact spans. A DocBin is one compressed msgpack blob, so it is built in
memory (compact arrays, not Doc objects) and written at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from django.utils.translation import gettext_noop

from newsreview.projects.models import Project

from ..records import ExportError, LayerRecord
from ..tokens import Tokenised, blank_ar, describe, tokenise

KEY = "spacy"
LABEL = gettext_noop("spaCy DocBin (.spacy)")
MEDIA_TYPE = "application/octet-stream"
EXTENSION = ".spacy"
USER_DATA_KEY = "newsreview"


def side_files(project: Project, options: dict[str, Any]) -> dict[str, bytes]:
    return {}


def add_arguments(parser: Any) -> None:
    """No flags of its own."""


def words_and_spaces(tokenised: Tokenised) -> tuple[list[str], list[bool]]:
    """Words and trailing-space flags for `Doc(vocab, words, spaces)`: the §4 tokens plus
    whitespace tokens for every gap other than one plain space (spaCy's own convention),
    the gaps themselves cut at span boundaries so a span starting or ending with
    whitespace still aligns."""
    text = tokenised.record.text
    spans = tokenised.entity_spans + tokenised.trigger_spans
    span_starts = {s.start for s in spans}
    span_ends = {s.end for s in spans}
    boundaries = span_starts | span_ends
    words: list[str] = []
    spaces: list[bool] = []
    position = 0
    for start, end in zip(tokenised.starts, tokenised.ends, strict=True):
        if start > position:
            _gap(text, position, start, boundaries, span_starts, span_ends, words, spaces)
        words.append(text[start:end])
        spaces.append(False)
        position = end
    if position < len(text):
        _gap(text, position, len(text), boundaries, span_starts, span_ends, words, spaces)
    return words, spaces


def _gap(
    text: str, start: int, end: int, boundaries: set[int], span_starts: set[int],
    span_ends: set[int], words: list[str], spaces: list[bool],
) -> None:  # fmt: skip
    if words and text[start] == " " and start not in span_starts and start + 1 not in span_ends:
        spaces[-1] = True  # one plain space after a token is the token's whitespace
        start += 1
    cuts = sorted(b for b in boundaries if start < b < end)
    for piece_start, piece_end in zip([start, *cuts], [*cuts, end], strict=True):
        if piece_start < piece_end:
            words.append(text[piece_start:piece_end])
            spaces.append(False)


def build_doc(tokenised: Tokenised, vocab: Any) -> Any:
    """The Doc of one record; ExportError if the text or a span does not align."""
    from spacy.tokens import Doc

    record = tokenised.record
    where = f"document {record.document_id}, layer {record.layer}"
    words, spaces = words_and_spaces(tokenised)
    doc = Doc(vocab, words=words, spaces=spaces)
    if doc.text != record.text:
        raise ExportError(
            f"{where}: the spaCy tokens do not give back the stored text",
            document=record.document_id,
            layer=record.layer,
        )

    def span(s: Any) -> Any:
        result = doc.char_span(s.start, s.end, label=s.label)  # alignment_mode="strict"
        if result is None:
            raise ExportError(
                f"{where}, span {s.pk}: [{s.start}, {s.end}) «{s.text}» does not align "
                "with the spaCy tokens",
                document=record.document_id,
                layer=record.layer,
                span=s.pk,
            )
        return result

    flat = tokenised.entities.levels[0] if tokenised.entities.levels else []
    doc.ents = [span(s) for s in flat]
    doc.spans["sc"] = [span(s) for s in record.entities]
    doc.spans["triggers"] = [span(s) for s in record.triggers]
    doc.user_data[USER_DATA_KEY] = {
        "doc": record.document_id,
        "layer": record.layer,
        "events": [
            {
                "type": event.type,
                "trigger": [event.trigger.start, event.trigger.end],
                "arguments": [
                    {"role": a.role, "start": a.entity.start, "end": a.entity.end}
                    for a in event.arguments
                ],
            }
            for event in record.events
        ],
    }
    return doc


def write(
    records: Iterable[LayerRecord],
    out: BinaryIO,
    *,
    project: Project,
    options: dict[str, Any],
    warn: Callable[[str], None],
) -> None:
    """One DocBin with a Doc per record, written as bytes at the end."""
    from spacy.tokens import DocBin

    vocab = blank_ar().vocab
    docbin = DocBin(store_user_data=True)
    for record in records:
        tokenised = tokenise(record, "split")
        if tokenised.entities.dropped:
            # Still in doc.spans["sc"]: only the flat `ents` (what `ner` trains on) lack them.
            record_where = f"document {record.document_id}, layer {record.layer}"
            warn(
                f"{record_where}: {len(tokenised.entities.dropped)} span(s) not in doc.ents "
                "(they overlap a longer span without nesting in it; kept in "
                f'doc.spans["sc"]): {describe(tokenised.entities.dropped)}'
            )
        docbin.add(build_doc(tokenised, vocab))
    out.write(docbin.to_bytes())
