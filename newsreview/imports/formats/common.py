"""Helpers shared by the format parsers: strict UTF-8 decoding, JSON Lines reading,
and offsets that survive CRLF → LF normalisation. Pure Python."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from ..parsed import Problem

UTF8_BOM = b"\xef\xbb\xbf"
# C0 controls other than tab and line ends: UTF-16 read as UTF-8 is full of them.
CONTROL_CHARACTERS = re.compile("[\x01-\x08\x0e-\x1f]")
SNIFF_CHARS = 100_000
NON_SPACE = re.compile(rb"\S")


class FileRejected(Exception):
    """The whole file is unusable (encoding, emptiness, not the expected structure)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _not_utf8(name: str, line: int, byte: int, position: int) -> FileRejected:
    return FileRejected(
        Problem(
            name,
            f"line {line}",
            f"not valid UTF-8 (byte 0x{byte:02x} at position {position}); "
            "the file may be Latin-1 or Windows-1256: save it as UTF-8",
        )
    )


def decode_utf8(name: str, data: bytes) -> str:
    """The file's text: strict UTF-8, a leading BOM dropped, nothing else changed.

    Anything else is refused with a message saying what the file looks like, because a
    silently mis-decoded article would be annotated and exported as garbage.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(
            Problem(
                name,
                "",
                "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8",
            )
        )
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _not_utf8(name, line, data[error.start], error.start) from None
    if "\x00" in text:
        raise FileRejected(
            Problem(
                name,
                "",
                "the file contains NUL characters (UTF-16 without a byte order "
                "mark?); save it as UTF-8",
            )
        )
    sample = text[:SNIFF_CHARS]
    if sample and len(CONTROL_CHARACTERS.findall(sample)) > len(sample) / 10:
        # UTF-16LE Arabic without a BOM decodes as valid UTF-8: letter, then U+0006.
        raise FileRejected(
            Problem(name, "", "the file looks like UTF-16 or binary data; save it as UTF-8")
        )
    return text


def require_content(name: str, text: str) -> None:
    if not text.strip():
        raise FileRejected(Problem(name, "", "the file is empty"))


def json_records(files: list[Any], errors: list[Problem]) -> Iterator[tuple[str, int, Any]]:
    """(file name, line number, record) for every JSON line of every readable file; an
    unreadable file or a malformed line is recorded in `errors` and skipped."""
    for source in files:
        try:
            for number, line in utf8_lines(source.name, source.data):
                record = _json_line(source.name, number, line, errors)
                if record is not _SKIP:
                    yield source.name, number, record
        except FileRejected as rejected:
            errors.append(rejected.problem)


def utf8_lines(name: str, data: bytes) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line of a UTF-8 file, decoded one line at a time so a
    large JSON Lines file is never held twice (bytes and text) in memory. The start of
    the file gets decode_utf8's checks (UTF-16, binary); FileRejected as soon as a line
    is not UTF-8 or holds a NUL."""
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    if not NON_SPACE.search(data, start):  # (a slice would copy the whole file)
        raise FileRejected(Problem(name, "", "the file is empty"))
    cut = data.rfind(b"\n", 0, SNIFF_CHARS)
    decode_utf8(name, data[: cut if cut > 0 and len(data) > SNIFF_CHARS else len(data)])
    number = 0
    while True:
        number += 1
        end = data.find(b"\n", start)
        chunk = data[start:] if end == -1 else data[start:end]
        try:
            line = chunk.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _not_utf8(name, number, chunk[error.start], start + error.start) from None
        if "\x00" in line:
            raise FileRejected(
                Problem(name, f"line {number}", "the line contains NUL characters; save as UTF-8")
            )
        yield number, line
        if end == -1:
            return
        start = end + 1


_SKIP = object()


def _json_line(name: str, number: int, line: str, errors: list[Problem]) -> Any:
    """The value of one JSON line, or _SKIP for a blank or bad one (the problem is in
    `errors`, naming line and column)."""
    if not line.strip():
        return _SKIP
    try:
        return load_json(line)
    except json.JSONDecodeError as error:
        errors.append(
            Problem(name, f"line {number}", f"not valid JSON: {error.msg} (column {error.colno})")
        )
    except UnusableJSON as error:
        errors.append(Problem(name, f"line {number}", str(error), error.field))
    return _SKIP


def crlf_map(text: str) -> tuple[str, Callable[[int], int] | None]:
    """`text` with CRLF/CR → LF, and a function moving an offset of the original text to
    the normalised one (None when nothing changed). Tools that keep CRLF count the CR."""
    if "\r" not in text:
        return text, None
    removed = [i for i in range(len(text) - 1) if text[i] == "\r" and text[i + 1] == "\n"]
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")

    def move(offset: int) -> int:
        return offset - bisect.bisect_left(removed, offset)

    return normalised, move


def normalise_span_text(text: Any) -> Any:
    if isinstance(text, str) and "\r" in text:
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text


class UnusableJSON(ValueError):
    """Valid JSON that no document can hold: NaN/Infinity, or a string with a NUL or an
    unpaired surrogate (JSON escapes let both through a strictly UTF-8 file; PostgreSQL
    and UTF-8 itself refuse them)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _reject_constant(name: str) -> Any:
    raise UnusableJSON(f"not valid JSON: {name} is not a number JSON allows")


SURROGATE = re.compile("[\ud800-\udfff]")


# Where a NUL or a surrogate could come from. JSON refuses a raw control character in a
# string, so a NUL can only be written `\u0000`; and the text comes from strict UTF-8
# decoding (utf8_lines, decode_utf8), which never yields a surrogate, so one can only
# be written `\udXXX`. Without such an escape (nearly every line), walking every string
# of the value, which took a third of an import's parsing, would find nothing.
MAYBE_UNUSABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def load_json(text: str) -> Any:
    """`json.loads` that refuses what a document cannot store (see UnusableJSON)."""
    value = json.loads(text, parse_constant=_reject_constant)
    if MAYBE_UNUSABLE.search(text):
        _check_strings(value, "")
    return value


def _check_strings(value: Any, field: str) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise UnusableJSON("contains a NUL character (\\u0000)", field)
        found = SURROGATE.search(value)
        if found:
            raise UnusableJSON(
                f"contains an unpaired surrogate (\\u{ord(found.group()):04x}) at position "
                f"{found.start()}: not valid Unicode",
                field,
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, field)
            _check_strings(item, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_strings(item, f"{field}[{index}]")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def check_date(value: Any, error: Callable[[str], None]) -> str | None:
    """The ISO date of `value` (a time part is dropped), or None after reporting it."""
    if not isinstance(value, str):
        error("must be a date like 2023-12-14")
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        error(f"“{value}” is not a date like 2023-12-14")
        return None
