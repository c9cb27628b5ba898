"""Creating documents and guarding their text."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from newsreview.projects.models import Project

from .models import Document, text_checksum

TITLE_MAX = 500


class DocumentError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def normalise_newlines(text: str) -> str:
    """CRLF and CR become LF; nothing else changes (no NFC, no stripping: PRODUCT.md)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def title_from_text(text: str) -> str:
    """The first non-empty line, shortened for lists and page titles."""
    for line in text.split("\n"):
        if line.strip():
            line = line.strip()
            return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1] + "…"
    return _("(untitled)")


def build_document(
    *,
    project: Project,
    text: str,
    title: str | None = None,
    language: str | None = None,
    direction: str | None = None,
    source_url: str = "",
    published_on: date | None = None,
    external_id: str = "",
    metadata: dict[str, Any] | None = None,
) -> Document:
    """An unsaved, validated Document (importers save many at once with bulk_create)."""
    text = normalise_newlines(text)
    if not text.strip():
        raise DocumentError("empty_text", _("The document text is empty."))
    limit = settings.NEWSREVIEW_MAX_DOCUMENT_CHARS
    if len(text) > limit:
        # A document is read and annotated on one page: a text this long is a corpus or
        # a mistake (or an archive built to exhaust memory), not an article.
        raise DocumentError(
            "too_long",
            _(
                "The document text has %(n)s characters; a document is limited to %(max)s "
                "(split it into articles)."
            )
            % {"n": f"{len(text):,}", "max": f"{limit:,}"},
        )
    language = language or project.language
    if direction is None:
        direction = (
            Document.Direction.RTL
            if language.split("-")[0] in {"ar", "fa", "ur", "he"}
            else Document.Direction.LTR
        )
    if direction not in Document.Direction.values:
        raise DocumentError("bad_direction", _("Direction must be rtl or ltr."))
    document = Document(
        project=project,
        text=text,
        title=(title or title_from_text(text))[:TITLE_MAX],
        language=language,
        direction=direction,
        source_url=source_url or "",
        published_on=published_on,
        external_id=external_id or "",
        metadata=metadata or {},
    )
    document.checksum = text_checksum(text)
    return document


@transaction.atomic
def create_document(**kwargs: Any) -> Document:
    """Create one document (see `build_document` for the arguments)."""
    document = build_document(**kwargs)
    if (
        document.external_id
        and Document.objects.filter(
            project=document.project, external_id=document.external_id
        ).exists()
    ):
        raise DocumentError(
            "duplicate_external_id",
            _("A document with the id “%(id)s” already exists in this project.")
            % {"id": document.external_id},
        )
    document.save()
    return document


@transaction.atomic
def update_document_text(*, document: Document, text: str) -> Document:
    """Replace the text of a document nobody has annotated yet."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    text = normalise_newlines(text)
    if text == document.text:
        return document
    if document.is_annotated:
        raise DocumentError(
            "immutable",
            _("The text of an annotated document cannot change: spans point into it."),
        )
    if not text.strip():
        raise DocumentError("empty_text", _("The document text is empty."))
    document.text = text
    document.save()
    return document
