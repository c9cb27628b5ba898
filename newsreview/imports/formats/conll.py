"""CoNLL-2003 style IOB2 (FORMATS.md §4): `-DOCSTART-` lines separate documents, blank
lines sentences, the first column is the token and the last the tag.

The original whitespace is not in the file, so the text is rebuilt: tokens joined by
one space, sentences by a newline. A document exported with tokens split inside a word
(«ب» + «فرنسا») therefore comes back as «ب فرنسا»: same labels and span texts,
different offsets. Nested columns (Wojood) are not read: only the last column."""

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
        self.open: ParsedSpan | None = None
        self.open_label = ""

    def close_span(self) -> None:
        self.open = None
        self.open_label = ""

    def end_sentence(self) -> None:
        self.close_span()
        if self.tokens:
            sentence = " ".join(self.tokens)
            self.sentences.append(sentence)
            self.length += len(sentence) + 1  # the newline after it
            self.tokens = []

    def add(self, token: str, tag: str, number: int, result: ParseResult) -> None:
        start = self.length + sum(len(t) + 1 for t in self.tokens)
        self.tokens.append(token)
        end = start + len(token)
        if tag == "O":
            self.close_span()
            return
        match = TAG.match(tag)
        if not match:
            result.errors.append(
                Problem(
                    self.name, f"line {number}", f"“{tag}” is not an IOB2 tag (O, B-X, I-X)", "tag"
                )
            )
            self.close_span()
            return
        prefix, label = match.groups()
        if prefix == "I" and self.open is not None and self.open_label == label:
            self.open.end = end
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
        self.open, self.open_label = span, label

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


def read(name: str, text: str, result: ParseResult) -> None:
    builder = _Builder(name, 1)
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if line.startswith("-DOCSTART-"):
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
        token, tag = columns[0], columns[-1].strip()
        if any(c.isspace() for c in token):
            result.errors.append(Problem(name, f"line {number}", "a token contains white space"))
            continue
        builder.add(token, tag, number, result)
    document = builder.document()
    if document is not None:
        result.documents.append(document)
