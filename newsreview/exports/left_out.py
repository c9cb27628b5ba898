"""What an export leaves out, said, never dropped silently (FORMATS.md §4): the warnings
for spans a token-based format cannot tag, and the tallies of what a format has no place
for (events, comments, attributes), summed up in one warning at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a pure module: no Django import at run time (STYLE.md §2)
    from .records import LayerRecord, SpanRecord
    from .tokens import Tokenised


def describe(spans: Iterable[SpanRecord], limit: int = 5) -> str:
    """`GPE [36, 41) «فرنسا», …` for a warning."""
    spans = list(spans)
    shown = ", ".join(f"{s.label} [{s.start}, {s.end}) «{s.text}»" for s in spans[:limit])
    more = f", … {len(spans) - limit} more" if len(spans) > limit else ""
    return shown + more


def problems(
    tokenised: Tokenised, *, fmt: str, nested: bool, triggers: bool
) -> list[str]:  # fmt: skip
    """Warnings for the spans that `fmt` cannot represent in this record's tags, with
    counts and the document id (never drop silently)."""
    record = tokenised.record
    where = f"document {record.document_id}, layer {record.layer}"
    messages = []

    def add(spans: list[SpanRecord], why: str) -> None:
        if spans:
            messages.append(f"{where}: {len(spans)} span(s) {why}: {describe(spans)}")

    add(
        tokenised.entities.dropped,
        f"dropped from the {fmt} tags (they overlap a longer span without nesting in it)",
    )
    if not nested:
        add(tokenised.entities.nested, f"nested inside another span, not in the flat {fmt} tags")
    if triggers:
        add(
            tokenised.triggers.dropped + tokenised.triggers.nested,
            f"(triggers) dropped from the {fmt} trigger tags (they overlap another trigger)",
        )
    add(tokenised.merged, "merged into another span of the same label by --align expand")
    add(tokenised.untokenised, "covering no token")
    return messages


class LeftOutTally:
    """Counts what a format leaves out (events by default), for one summary warning at
    the end that names the count and the first documents."""

    def __init__(
        self, noun: str = "event(s)", count: Callable[[LayerRecord], int] | None = None
    ) -> None:
        self.noun = noun
        self.count = count or (lambda record: len(record.events))
        self.total = 0
        self.documents = 0
        self.first: list[str] = []

    def add(self, record: LayerRecord) -> None:
        found = self.count(record)
        if found:
            self.total += found
            self.documents += 1
            if len(self.first) < 5:
                self.first.append(record.document_id)

    def message(self, fmt: str, hint: str) -> str | None:
        if not self.total:
            return None
        more = ", …" if self.documents > len(self.first) else ""
        return (
            f"{self.total} {self.noun} in {self.documents} document(s) "
            f"({', '.join(self.first)}{more}) are not in {fmt}: {hint}"
        )


def comment_tally() -> LeftOutTally:
    """Comments (reviewers' notes) and event attributes: only jsonl and brat carry them."""
    return LeftOutTally(
        "comment(s) or event attribute(s)",
        lambda record: len(record.comments) + sum(len(e.attributes) for e in record.events),
    )
