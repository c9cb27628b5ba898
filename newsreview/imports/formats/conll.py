"""CoNLL-2003 style IOB2 (FORMATS.md §4): `-DOCSTART-` lines separate documents, blank
lines sentences, the first column is the token and the others IOB2 tag columns.

The original whitespace is not in the file, so the text is rebuilt: tokens joined by
one space, sentences by a newline. A document exported with tokens split inside a word
(«ب» + «فرنسا») therefore comes back as «ب فرنسا»: same labels and span texts,
different offsets. Every tag column is read, so `--nested` (Wojood) and `--with-triggers`
exports come back whole; a CoNLL-2003 file with POS/chunk columns is read from its last
column, with a warning."""

from __future__ import annotations

import re

from ..parsed import ParsedDocument, ParsedLayer, ParsedSpan, ParseResult, Problem, SourceFile
from .common import FileRejected, decode_utf8, require_content

NAME = "conll"
TAG = re.compile(r"^([BI])-(\S+)$")


def parse(files: list[SourceFile]) -> ParseResult:
    result = ParseResult(format=NAME)
    for source in files:
        try:
            text = decode_utf8(source.name, source.data)
            require_content(source.name, text)
        except FileRejected as rejected:
            result.errors.append(rejected.problem)
            continue
        read(source.name, text, result)
    return result


class _Builder:
    def __init__(self, name: str, line: int) -> None:
        self.name = name
        self.where = f"line {line}"
        self.sentences: list[str] = []
        self.tokens: list[str] = []
        self.length = 0  # code points of the text so far
        self.spans: list[ParsedSpan] = []
        # One open entity per tag column: nested (Wojood) and trigger columns are read too.
        self.open: dict[int, tuple[ParsedSpan, str]] = {}

    def close_span(self, column: int | None = None) -> None:
        if column is None:
            self.open.clear()
        else:
            self.open.pop(column, None)

    def end_sentence(self) -> None:
        self.close_span()
        if self.tokens:
            sentence = " ".join(self.tokens)
            self.sentences.append(sentence)
            self.length += len(sentence) + 1  # the newline after it
            self.tokens = []

    def add(self, token: str, tags: list[str], number: int, result: ParseResult) -> None:
        start = self.length + sum(len(t) + 1 for t in self.tokens)
        self.tokens.append(token)
        end = start + len(token)
        for column, tag in enumerate(tags):
            self.add_tag(column, tag, start, end, number, result)

    def add_tag(
        self, column: int, tag: str, start: int, end: int, number: int, result: ParseResult
    ) -> None:
        if tag == "O":
            self.close_span(column)
            return
        match = TAG.match(tag)
        if not match:
            result.errors.append(
                Problem(
                    self.name, f"line {number}", f"“{tag}” is not an IOB2 tag (O, B-X, I-X)", "tag"
                )
            )
            self.close_span(column)
            return
        prefix, label = match.groups()
        if prefix == "I" and column in self.open and self.open[column][1] == label:
            self.open[column][0].end = end
            return
        if prefix == "I":
            result.warnings.append(
                Problem(
                    self.name,
                    f"line {number}",
                    f"I-{label} does not continue a {label} entity; read as the start of one",
                    "tag",
                )
            )
        span = ParsedSpan(f"s{len(self.spans)}", label, start, end, None, f"line {number}", "tag")
        self.spans.append(span)
        self.open[column] = (span, label)

    def document(self) -> ParsedDocument | None:
        self.end_sentence()
        if not self.sentences:
            return None
        return ParsedDocument(
            file=self.name,
            where=self.where,
            text="\n".join(self.sentences),
            metadata={"source_file": self.name.rsplit("/", 1)[-1]},
            layers=[ParsedLayer(spans=self.spans, where=self.where)],
        )


def is_docstart(line: str) -> bool:
    """The document separator: `-DOCSTART- -X- O O` (ours) or CoNLL-2003's
    space-separated variants. A tab-separated `-DOCSTART-` line is a token: spaCy keeps
    that word in running text, and our export writes it as one."""
    return line.startswith("-DOCSTART-") and "\t" not in line


def read(name: str, text: str, result: ParseResult) -> None:
    builder = _Builder(name, 1)
    warned_columns = False
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if is_docstart(line):
            document = builder.document()
            if document is not None:
                result.documents.append(document)
            builder = _Builder(name, number)
            continue
        if not line.strip():
            builder.end_sentence()
            continue
        columns = line.split("\t") if "\t" in line else line.split()
        if len(columns) < 2 or not columns[0]:
            result.errors.append(Problem(name, f"line {number}", "expected TOKEN<TAB>TAG", ""))
            continue
        token, tags = columns[0], [c.strip() for c in columns[1:]]
        if any(c.isspace() for c in token):
            result.errors.append(Problem(name, f"line {number}", "a token contains white space"))
            continue
        if len(tags) > 1 and not all(tag == "O" or TAG.match(tag) for tag in tags):
            # CoNLL-2003 style (TOKEN POS CHUNK NER): the NER tag is the last column.
            if not warned_columns:
                result.warnings.append(
                    Problem(
                        name,
                        f"line {number}",
                        "only the last column is read as tags "
                        "(the middle columns are not IOB2 tags)",
                        "tag",
                    )
                )
                warned_columns = True
            tags = tags[-1:]
        builder.add(token, tags, number, result)
    document = builder.document()
    if document is not None:
        result.documents.append(document)
