"""documents.services: text is stored as given (only line endings normalised), titles come
from the first line, and text is immutable once annotated."""

import unicodedata

import pytest

from newsreview.annotations import services as annotation_services
from newsreview.documents.models import Document, text_checksum
from newsreview.documents.services import (
    DocumentError,
    build_document,
    create_document,
    normalise_newlines,
    title_from_text,
    update_document_text,
)
from tests.factories import ProjectFactory


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("سطر\r\nسطر", "سطر\nسطر"),
        ("سطر\rسطر", "سطر\nسطر"),
        ("a\r\n\r\nb\n", "a\n\nb\n"),
        ("\r\n", "\n"),
        ("لا تغيير\n", "لا تغيير\n"),
    ],
)
def test_normalise_newlines_turns_crlf_and_cr_into_lf(raw, expected):
    assert normalise_newlines(raw) == expected


def test_normalise_newlines_changes_nothing_else():
    text = "  e\u0301 ڤـــو 😀 عَبْدُ\t(Frédéric)  "
    assert normalise_newlines(text) == text


def test_title_from_text_is_the_first_non_empty_line():
    assert title_from_text("\n  \nحموشي يعيد الدفء\nالسطر الثاني") == "حموشي يعيد الدفء"


def test_title_from_text_shortens_a_very_long_first_line():
    title = title_from_text("ب" * 600)
    assert len(title) == 500
    assert title.endswith("…")


def test_build_document_does_not_save(project):
    document = build_document(project=project, text="نص")
    assert document.pk is None
    assert Document.objects.count() == 0


def test_create_document_normalises_crlf_and_keeps_everything_else(project):
    raw = "عنوان\r\ncafe\u0301 ڤـــو  \r\n\r\n😀 نهاية \r"
    document = create_document(project=project, text=raw)
    document.refresh_from_db()
    assert document.text == "عنوان\ncafe\u0301 ڤـــو  \n\n😀 نهاية \n"
    # No NFC: the combining accent stays a separate code point.
    assert "e\u0301" in document.text
    assert unicodedata.normalize("NFC", document.text) != document.text


def test_create_document_takes_the_title_from_the_first_line(project, seed_text):
    document = create_document(project=project, text=seed_text)
    assert document.title == seed_text.split("\n")[0].strip()
    # The headline stays part of the text: it gets annotated too.
    assert document.text.startswith(document.title)


def test_create_document_keeps_an_explicit_title(project):
    document = create_document(project=project, text="نص المقال", title="عنوان آخر")
    assert document.title == "عنوان آخر"


def test_create_document_stores_the_checksum_of_the_text(project, seed_text):
    document = create_document(project=project, text=seed_text)
    document.refresh_from_db()
    assert document.checksum == text_checksum(seed_text)


def test_create_document_takes_direction_from_the_language(project):
    assert create_document(project=project, text="نص").direction == "rtl"
    assert create_document(project=project, text="text", language="fr").direction == "ltr"


@pytest.mark.parametrize("text", ["", "   ", "\r\n\r\n", "\t"])
def test_create_document_refuses_empty_text(project, text):
    with pytest.raises(DocumentError) as info:
        create_document(project=project, text=text)
    assert info.value.code == "empty_text"
    assert Document.objects.count() == 0


def test_create_document_refuses_a_bad_direction(project):
    with pytest.raises(DocumentError) as info:
        create_document(project=project, text="نص", direction="up")
    assert info.value.code == "bad_direction"
    assert Document.objects.count() == 0


def test_create_document_refuses_a_duplicate_external_id_in_the_project(project):
    create_document(project=project, text="نص", external_id="a-1")
    with pytest.raises(DocumentError) as info:
        create_document(project=project, text="نص آخر", external_id="a-1")
    assert info.value.code == "duplicate_external_id"
    assert Document.objects.count() == 1


def test_create_document_allows_the_same_external_id_in_another_project(project):
    create_document(project=project, text="نص", external_id="a-1")
    create_document(project=ProjectFactory(schema=project.schema), text="نص", external_id="a-1")
    assert Document.objects.count() == 2


def test_update_document_text_replaces_unannotated_text_and_checksum(project):
    document = create_document(project=project, text="قديم")
    updated = update_document_text(document=document, text="جديد\r\nسطر")
    document.refresh_from_db()
    assert document.text == updated.text == "جديد\nسطر"
    assert document.checksum == text_checksum("جديد\nسطر")


def test_update_document_text_refuses_once_annotated(seed_document, annotator):
    layer = annotation_services.get_or_create_layer(document=seed_document, user=annotator)
    annotation_services.add_span(layer=layer, start=58, end=63, label="PERS", by=annotator)
    original = Document.objects.get(pk=seed_document.pk)
    with pytest.raises(DocumentError) as info:
        update_document_text(document=seed_document, text="نص جديد")
    assert info.value.code == "immutable"
    after = Document.objects.get(pk=seed_document.pk)
    assert (after.text, after.checksum) == (original.text, original.checksum)


def test_update_document_text_with_the_same_text_is_allowed_when_annotated(
    seed_document, annotator
):
    layer = annotation_services.get_or_create_layer(document=seed_document, user=annotator)
    annotation_services.add_span(layer=layer, start=58, end=63, label="PERS", by=annotator)
    crlf = seed_document.text.replace("\n", "\r\n")
    assert update_document_text(document=seed_document, text=crlf).text == seed_document.text


def test_update_document_text_is_allowed_with_an_empty_layer(seed_document, annotator):
    annotation_services.get_or_create_layer(document=seed_document, user=annotator)
    update_document_text(document=seed_document, text="نص جديد")
    assert Document.objects.get(pk=seed_document.pk).text == "نص جديد"


def test_update_document_text_refuses_empty_text(project):
    document = create_document(project=project, text="قديم")
    with pytest.raises(DocumentError) as info:
        update_document_text(document=document, text="  \n ")
    assert info.value.code == "empty_text"
    assert Document.objects.get(pk=document.pk).text == "قديم"
