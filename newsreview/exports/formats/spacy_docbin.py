"""spaCy v3 DocBin (FORMATS.md §6): one `Doc` per (document, layer), as spaCy's
`Doc(vocab, words, spaces)` would make it from the §4 tokens, so that `doc.text` is the
stored text and every span aligns strictly. `doc.ents` holds the flat selection,
`doc.spans["sc"]` every entity span (nested and overlapping included),
`doc.spans["triggers"]` the triggers, and `doc.user_data["newsreview"]` the document id,
layer and events (code point offsets).

Tokens are always split at span boundaries here (`--align` is a CoNLL/HF option): the
DocBin keeps exact spans.

Written without spaCy: spaCy and numpy were most of the runtime install (issue 14), and a
`.spacy` file is only zlib-compressed msgpack of a few byte arrays and lists
(`DocBin.to_bytes` in spacy/tokens/_serialize.py). It is written here the way spaCy 3.8
writes it, the same payload byte for byte (tests/exports/test_spacy.py builds the same
docs with spaCy and compares, and reads ours back with `DocBin.from_bytes`):

* `tokens`: one row of 13 uint64 per token (the columns of `ATTRS`), little-endian. Strings
  are stored as their ids: an index into spaCy's reserved symbols, or else MurmurHash64A of
  the UTF-8 bytes with seed 1 (`spacy.strings.hash_string`).
* `strings`: every string an id stands for, sorted, so the reader can resolve the hashes.
* `span_groups`: per doc, msgpack of {group bytes: [key]}, each group msgpack of its name,
  attrs and spans packed as `>QQQllll` (id, kb_id, label, start/end token, start/end char).

The bin is one msgpack blob, so each doc is kept until the end as a few compact arrays,
and the rows are made and compressed doc by doc as they are written."""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from operator import add
from typing import Any, BinaryIO

import msgpack
from django.utils.translation import gettext_noop

from newsreview.projects.models import Project

from ..left_out import describe
from ..records import ExportError, LayerRecord, SpanRecord
from ..tokens import Tokenised, tokenise
from .spacy_tables import BASE_NORMS
from .spacy_tables import IDS as SYMBOL_IDS

KEY = "spacy"
LABEL = gettext_noop("spaCy DocBin (.spacy)")
MEDIA_TYPE = "application/octet-stream"
EXTENSION = ".spacy"
USER_DATA_KEY = "newsreview"

# DOCBIN_ALL_ATTRS (spacy/tokens/doc.pyx) as DocBin orders them: ORTH first, then by id.
_OTHER_ATTRS = ("NORM", "TAG", "HEAD", "DEP", "ENT_IOB", "ENT_TYPE", "ENT_KB_ID", "ENT_ID",
                "LEMMA", "MORPH", "POS", "SENT_START")  # fmt: skip
ATTRS: tuple[str, ...] = ("ORTH", *sorted(_OTHER_ATTRS, key=SYMBOL_IDS.__getitem__))
_WIDTH = len(ATTRS)
_ORTH, _NORM, _IOB, _TYPE, _SENT_START = map(
    ATTRS.index, ("ORTH", "NORM", "ENT_IOB", "ENT_TYPE", "SENT_START")
)
_I, _O, _B = 1, 2, 3  # spaCy's ENT_IOB values (0 is "not set")
_SPAN_GROUPS = ("sc", "triggers")
_SPAN = struct.Struct(">QQQllll")
_SPACE = ("", " ")  # by a token's trailing-space flag


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
    boundaries = sorted(span_starts | span_ends)
    words: list[str] = []
    spaces: list[bool] = []
    position = 0
    for start, end in zip(tokenised.starts, tokenised.ends, strict=True):
        if start == position + 1 and text[position] == " " and words:
            # The usual gap, one plain space: the previous token's whitespace unless a
            # span starts on it or ends right after it (then _gap makes it a token).
            if position not in span_starts and start not in span_ends:
                spaces[-1] = True
            else:
                _gap(text, position, start, boundaries, span_starts, span_ends, words, spaces)
        elif start > position:
            _gap(text, position, start, boundaries, span_starts, span_ends, words, spaces)
        words.append(text[start:end])
        spaces.append(False)
        position = end
    if position < len(text):
        _gap(text, position, len(text), boundaries, span_starts, span_ends, words, spaces)
    return words, spaces


def _gap(
    text: str, start: int, end: int, boundaries: list[int], span_starts: set[int],
    span_ends: set[int], words: list[str], spaces: list[bool],
) -> None:  # fmt: skip
    if words and text[start] == " " and start not in span_starts and start + 1 not in span_ends:
        spaces[-1] = True  # one plain space after a token is the token's whitespace
        start += 1
        if start == end:
            return
    # The span boundaries strictly inside the gap (sorted): most gaps have none.
    cuts = boundaries[bisect_right(boundaries, start) : bisect_left(boundaries, end)]
    for piece_start, piece_end in zip([start, *cuts], [*cuts, end], strict=True):
        words.append(text[piece_start:piece_end])
        spaces.append(False)


_M = 0xC6A4A7935BD1E995
_MASK = (1 << 64) - 1


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A (Austin Appleby's MurmurHash2, 64-bit), as the murmurhash package's
    `hash64` that spaCy uses, reading 8-byte blocks little-endian (as on x86 and ARM)."""
    h = (seed ^ (len(data) * _M)) & _MASK
    tail = len(data) - len(data) % 8
    for (k,) in struct.iter_unpack("<Q", data[:tail]):
        k = (k * _M) & _MASK
        k ^= k >> 47
        h ^= (k * _M) & _MASK
        h = (h * _M) & _MASK
    if tail < len(data):
        h ^= int.from_bytes(data[tail:], "little")
        h = (h * _M) & _MASK
    h ^= h >> 47
    h = (h * _M) & _MASK
    return h ^ (h >> 47)


def string_id(string: str) -> int:
    """spaCy's id of `string` (`StringStore[string]`): 0 for "", the index of a reserved
    symbol (ORG, X, ORTH …), otherwise its 64-bit hash."""
    symbol = SYMBOL_IDS.get(string)
    if symbol is not None:
        return symbol
    return murmurhash64a(string.encode("utf-8"))


def norm(word: str) -> str:
    """The NORM spaCy gives a word with no tokenizer exception or lookups table: its base
    norm, else its lower case (the vocabulary's default NORM getter)."""
    base = BASE_NORMS.get(word)
    return word.lower() if base is None else base


class _StringIds(dict[str, int]):
    """The strings met so far and their ids: they become the DocBin's `strings`."""

    def __init__(self) -> None:
        super().__init__()
        self.norms = _NormIds(self)

    def __missing__(self, string: str) -> int:
        value = self[string] = string_id(string)
        return value


class _NormIds(dict[str, int]):
    """The id of each word's norm, remembered by word (words repeat: norms once each)."""

    def __init__(self, ids: _StringIds) -> None:
        super().__init__()
        self.ids = ids

    def __missing__(self, word: str) -> int:
        value = self[word] = self.ids[norm(word)]
        return value


@dataclass(slots=True)
class _Doc:
    """What one doc adds to the bin, kept compact until the bin is written."""

    orth: array  # uint64 per token
    norm: array
    spaces: bytes  # 0 or 1 per token
    ents: list[tuple[int, int, int]]  # (first token, end token, label id)
    span_groups: bytes
    user_data: bytes

    def rows(self) -> array:
        """The doc's `tokens` rows: ORTH and NORM ids, the ents in ENT_IOB/ENT_TYPE (every
        other token O, as `doc.ents = …` leaves it) and SENT_START 1 on the first token."""
        count = len(self.orth)
        rows = array("Q", bytes(8 * _WIDTH * count))
        rows[_ORTH::_WIDTH] = self.orth
        rows[_NORM::_WIDTH] = self.norm
        rows[_IOB::_WIDTH] = array("Q", [_O]) * count
        for first, end, label in self.ents:
            for i in range(first, end):
                rows[i * _WIDTH + _IOB] = _B if i == first else _I
                rows[i * _WIDTH + _TYPE] = label
        if count:
            rows[_SENT_START] = 1
        return _little_endian(rows)


def _little_endian(values: array) -> array:
    """`values` in the byte order numpy writes on the machines spaCy runs on."""
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _pack(value: Any) -> bytes:
    # As srsly.msgpack_dumps: str as msgpack str, bytes as bin.
    return msgpack.packb(value, use_bin_type=True)


def _bin_header(size: int) -> bytes:
    """The msgpack bin header msgpack itself would write before `size` bytes."""
    if size < 1 << 8:
        return struct.pack(">BB", 0xC4, size)
    if size < 1 << 16:
        return struct.pack(">BH", 0xC5, size)
    return struct.pack(">BI", 0xC6, size)


def build_doc(tokenised: Tokenised, ids: _StringIds) -> _Doc:
    """One record's doc; ExportError if the text or a span does not align."""
    record = tokenised.record
    where = f"document {record.document_id}, layer {record.layer}"
    words, spaces = words_and_spaces(tokenised)
    # Where each token starts and ends (a word, then its space if it has one), for
    # checking the text and aligning spans as `doc.char_span` (strict) does.
    lengths = list(map(len, words))
    starts = list(accumulate(map(add, lengths, spaces), initial=0))
    if (
        starts[-1] != len(record.text)
        or "".join(map(add, words, map(_SPACE.__getitem__, spaces))) != record.text
    ):
        raise ExportError(
            f"{where}: the spaCy tokens do not give back the stored text",
            document=record.document_id,
            layer=record.layer,
        )
    first_at = dict(zip(starts, range(len(words))))  # noqa: B905  (starts has one more)
    end_at = dict(zip(map(add, starts, lengths), range(1, len(words) + 1)))  # noqa: B905

    def align(s: SpanRecord) -> tuple[int, int]:
        first, end = first_at.get(s.start), end_at.get(s.end)
        if first is None or end is None or first >= end:
            raise ExportError(
                f"{where}, span {s.pk}: [{s.start}, {s.end}) «{s.text}» does not align "
                "with the spaCy tokens",
                document=record.document_id,
                layer=record.layer,
                span=s.pk,
            )
        return first, end

    def group(name: str, spans: list[SpanRecord]) -> bytes:
        packed = [_SPAN.pack(0, 0, ids[s.label], *align(s), s.start, s.end) for s in spans]
        return _pack({"name": name, "attrs": {}, "spans": packed})

    flat = tokenised.entities.levels[0] if tokenised.entities.levels else []
    ents = [(*align(s), ids[s.label]) for s in flat]
    groups = {
        group(name, spans): [name]
        for name, spans in zip(_SPAN_GROUPS, (record.entities, record.triggers), strict=True)
    }
    if words:
        ids[""]  # noqa: B018  the empty tag, lemma, dep …: spaCy lists it for every token
    user_data = {
        USER_DATA_KEY: {
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
    }
    return _Doc(
        orth=array("Q", map(ids.__getitem__, words)),
        norm=array("Q", map(ids.norms.__getitem__, words)),
        spaces=bytes(spaces),
        ents=ents,
        span_groups=_pack(groups),
        user_data=_pack(user_data),
    )


def _docbin_chunks(docs: list[_Doc], strings: list[str]) -> Iterator[bytes]:
    """The msgpack of DocBin.to_bytes (before compression), in pieces: the token rows
    are made doc by doc rather than all at once."""
    count = sum(len(doc.orth) for doc in docs)
    yield b"\x8a"  # a map of 10 entries, in spaCy's order
    yield _pack("version") + _pack("0.1")
    yield _pack("attrs") + _pack([SYMBOL_IDS[attr] for attr in ATTRS])
    yield _pack("tokens") + _bin_header(8 * _WIDTH * count)
    for doc in docs:
        yield doc.rows().tobytes()
    yield _pack("spaces") + _pack(b"".join(doc.spaces for doc in docs))
    lengths = _little_endian(array("i", [len(doc.orth) for doc in docs]))  # int32
    yield _pack("lengths") + _pack(lengths.tobytes())
    yield _pack("strings") + _pack(strings)
    yield _pack("cats") + _pack([{} for _doc in docs])
    yield _pack("flags") + _pack([{"has_unknown_spaces": False} for _doc in docs])
    yield _pack("span_groups") + _pack([doc.span_groups for doc in docs])
    yield _pack("user_data") + _pack([doc.user_data for doc in docs])


def write(
    records: Iterable[LayerRecord],
    out: BinaryIO,
    *,
    project: Project,
    options: dict[str, Any],
    warn: Callable[[str], None],
) -> None:
    """One DocBin with a Doc per record, written at the end."""
    ids = _StringIds()
    docs = []
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
        docs.append(build_doc(tokenised, ids))
    compressor = zlib.compressobj()
    for chunk in _docbin_chunks(docs, sorted(ids)):
        out.write(compressor.compress(chunk))
    out.write(compressor.flush())
