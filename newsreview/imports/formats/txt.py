"""Plain text: one document per file, the whole file is the text (headline included,
PRODUCT.md), its first line also the title. Strict UTF-8; CRLF/CR → LF; nothing else."""

from __future__ import annotations

from ..parsed import ParsedDocument, ParseResult, SourceFile
from .common import FileRejected, decode_utf8, require_content

NAME = "txt"


def parse(files: list[SourceFile]) -> ParseResult:
    result = ParseResult(format=NAME)
    for source in files:
        try:
            text = decode_utf8(source.name, source.data)
            require_content(source.name, text)
        except FileRejected as rejected:
            result.errors.append(rejected.problem)
            continue
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        result.documents.append(
            ParsedDocument(
                file=source.name,
                where="",
                text=text,
                metadata={"source_file": source.name.rsplit("/", 1)[-1]},
            )
        )
    return result
