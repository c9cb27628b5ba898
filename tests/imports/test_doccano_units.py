"""doccano files as doccano writes them: offsets in UTF-16 code units (the default), in
grapheme clusters (a project with "Use graphemes" on) or in code points; text as plain
UTF-8, with a BOM, or as JSON escapes (our events export)."""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from newsreview.documents.models import Document
from newsreview.imports.services import ImportOptions, import_path

from .conftest import HEADLINE, row_counts, spans_of

# Flags, a skin tone, a ZWJ family, e + combining acute, Arabic with tashkeel and a
# tatweel-stretched name: each a single grapheme cluster (a letter with its marks is one).
GRAPHEME_TEXT = "🇲🇦🇫🇷 👍🏽 👨‍👩‍👧‍👦 Cafe\u0301 مُحَمَّد ڤـــو في باريس"
# Grapheme offsets counted by hand, as doccano's browser counts them with "Use graphemes":
# 🇲🇦 0, 🇫🇷 1, space 2, 👍🏽 3, space 4, 👨‍👩‍👧‍👦 5, space 6, C a f é 7-10, space 11,
# مُ حَ مَّ د 12-15, space 16, ڤ ـ ـ ـ و 17-21, space 22, ف ي 23-24, space 25, باريس 26-30.
GRAPHEME_SPANS = [
    ([0, 2], "🇲🇦🇫🇷", "GPE"),
    ([3, 4], "👍🏽", "EVENT"),
    ([5, 6], "👨‍👩‍👧‍👦", "NORP"),
    ([7, 11], "Cafe\u0301", "FAC"),
    ([12, 16], "مُحَمَّد", "PERS"),
    ([17, 22], "ڤـــو", "PERS"),
    ([26, 31], "باريس", "GPE"),
]


def run(project, path, **options):
    return import_path(project=project, path=path, options=ImportOptions(**options))


def expected_spans(text, spans):
    """(start, end, label, text) in code points, found in the text (never typed by hand)."""
    found = []
    for _offsets, needle, label in spans:
        start = text.index(needle)
        found.append((start, start + len(needle), label, needle))
    return sorted(found)


def test_the_hand_counted_grapheme_offsets_are_not_code_points_nor_utf16():
    """The table above would prove nothing if the three units agreed on it."""
    for (start, _end), needle, _label in GRAPHEME_SPANS[1:]:
        cp = GRAPHEME_TEXT.index(needle)
        assert start != cp and start != len(GRAPHEME_TEXT[:cp].encode("utf-16-le")) // 2


@pytest.mark.django_db
def test_doccano_grapheme_offsets_land_exactly_on_flags_skin_tones_zwj_and_marks(project, write):
    record = {
        "text": GRAPHEME_TEXT,
        "label": [[s, e, label] for (s, e), _needle, label in GRAPHEME_SPANS],
    }
    result = run(project, write("g.jsonl", [record]), format="doccano", offset_unit="graphemes")
    assert result.saved, result.error_report()
    document = Document.objects.get()
    assert document.text == GRAPHEME_TEXT
    assert spans_of(document) == expected_spans(GRAPHEME_TEXT, GRAPHEME_SPANS)


@pytest.mark.django_db
def test_doccano_grapheme_offsets_in_an_events_file_with_crlf_land_exactly(project, write):
    """CR LF is one grapheme cluster in doccano's browser; the stored text has LF."""
    raw = "😀 عاجل\r\nالتقى حموشي بـ ڤـــو في باريس"
    # 😀 0, space 1, ع ا ج ل 2-5, CR LF 6, ا ل ت ق ى 7-11, space 12, حموشي 13-17,
    # space 18, ب ـ 19-20, space 21, ڤـــو 22-26, space 27, في 28-29, space 30, باريس 31-35.
    record = {
        "text": raw,
        "entities": [
            {"id": 1, "label": "CONTACT_MEET", "start_offset": 7, "end_offset": 12},
            {"id": 2, "label": "PERS", "start_offset": 13, "end_offset": 18},
            {"id": 3, "label": "PERS", "start_offset": 22, "end_offset": 27},
            {"id": 4, "label": "GPE", "start_offset": 31, "end_offset": 36},
        ],
        "relations": [
            {"id": 1, "from_id": 1, "to_id": 2, "type": "PARTICIPANT"},
            {"id": 2, "from_id": 1, "to_id": 4, "type": "PLACE"},
        ],
    }
    result = run(project, write("r.jsonl", [record]), format="doccano", offset_unit="graphemes")
    assert result.saved, result.error_report()
    document = Document.objects.get()
    text = raw.replace("\r\n", "\n")
    assert document.text == text
    needles = [(None, "التقى", "CONTACT_MEET"), (None, "حموشي", "PERS"),
               (None, "ڤـــو", "PERS"), (None, "باريس", "GPE")]  # fmt: skip
    assert spans_of(document) == expected_spans(text, needles)
    assert result.arguments == 2


@pytest.mark.django_db
def test_a_grapheme_file_read_with_the_default_unit_covers_other_characters(project, write):
    """Why the unit must be said: label triples carry no text to check, and the same
    numbers read as UTF-16 (doccano's default) fall on other characters."""
    record = {"text": GRAPHEME_TEXT, "label": [[26, 31, "GPE"]]}
    result = run(project, write("g.jsonl", [record]), format="doccano")
    assert result.saved, result.error_report()
    [(_start, _end, _label, covered)] = spans_of(Document.objects.get())
    assert covered != "باريس"


@pytest.mark.django_db
def test_doccano_grapheme_offset_past_the_end_is_refused_naming_line_and_field(project, write):
    record = {"text": "👍🏽 حموشي", "label": [[2, 9, "PERS"]]}
    before = row_counts()
    result = run(project, write("g.jsonl", [record]), format="doccano", offset_unit="graphemes")
    assert not result.saved
    message = str(result.errors[0])
    assert "line 1" in message and "label[0][1]" in message
    assert "grapheme offset 9 is outside the text, which has 7 grapheme clusters" in message
    assert row_counts() == before


@pytest.mark.django_db
def test_doccano_codepoint_offsets_are_taken_as_they_are(project, write):
    text = "🇲🇦 😀 حموشي في باريس"
    start = text.index("حموشي")
    record = {"text": text, "label": [[start, start + 5, "PERS"]]}
    result = run(project, write("c.jsonl", [record]), format="doccano", offset_unit="codepoints")
    assert result.saved, result.error_report()
    assert spans_of(Document.objects.get()) == [(start, start + 5, "PERS", "حموشي")]


@pytest.mark.django_db
def test_doccano_utf16_stays_the_default_unit(project, write):
    text = "🇲🇦 حموشي"
    record = {"text": text, "label": [[5, 10, "PERS"]]}  # the flag is four UTF-16 units
    result = run(project, write("u.jsonl", [record]), format="doccano")
    assert result.saved, result.error_report()
    assert spans_of(Document.objects.get()) == [(3, 8, "PERS", "حموشي")]


@pytest.mark.django_db
def test_an_offset_unit_for_another_format_is_refused_not_ignored(project, write):
    path = write("t.json", json.dumps([{"data": {"text": HEADLINE}}], ensure_ascii=False))
    result = run(project, path, offset_unit="graphemes")
    assert not result.saved
    assert "the offset unit “graphemes” is for doccano files" in str(result.errors[0])
    assert "labelstudio" in str(result.errors[0])
    assert not Document.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda line: json.dumps(line).encode("ascii"), id="json-escapes"),
        pytest.param(lambda line: json.dumps(line, ensure_ascii=False).encode(), id="utf8"),
        pytest.param(
            lambda line: b"\xef\xbb\xbf" + json.dumps(line, ensure_ascii=False).encode(),
            id="utf8-bom",
        ),
    ],
)
def test_doccano_reads_escapes_plain_utf8_and_a_bom_alike(project, write, encode):
    text = "🇲🇦 😀 حموشي في باريس"
    u16 = len(text[: text.index("باريس")].encode("utf-16-le")) // 2
    record = {"id": 1, "text": text, "label": [[u16, u16 + 5, "GPE"]]}
    result = run(project, write("d.jsonl", encode(record) + b"\n"), format="doccano")
    assert result.saved, result.error_report()
    document = Document.objects.get()
    assert document.text == text
    start = text.index("باريس")
    assert spans_of(document) == [(start, start + 5, "GPE", "باريس")]


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_documents", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_command_offset_unit_graphemes_lands_the_spans_exactly(project, write):
    record = {
        "text": GRAPHEME_TEXT,
        "label": [[s, e, label] for (s, e), _needle, label in GRAPHEME_SPANS],
    }
    path = write("g.jsonl", [record])
    out, _err = command(path, "--project", "news", "--format", "doccano",
                        "--offset-unit", "graphemes")  # fmt: skip
    assert f"{len(GRAPHEME_SPANS)} spans" in out
    assert spans_of(Document.objects.get()) == expected_spans(GRAPHEME_TEXT, GRAPHEME_SPANS)


@pytest.mark.django_db
def test_command_refuses_an_unknown_offset_unit(project, write):
    with pytest.raises(CommandError) as info:
        command(write("a.jsonl", [{"text": HEADLINE, "label": []}]), "--project", "news",
                "--offset-unit", "bytes")  # fmt: skip
    assert "invalid choice: 'bytes'" in str(info.value)


# --- the upload page ------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_page_offers_the_unit_and_a_grapheme_file_lands_exactly(
    client, project, manager, settings, tmp_path
):
    settings.VAR_DIR = tmp_path / "var"
    client.force_login(manager)
    url = reverse("imports:upload", args=[project.slug])
    form = client.get(url).text
    assert 'name="offset_unit"' in form and 'value="graphemes"' in form
    record = {
        "text": GRAPHEME_TEXT,
        "label": [[s, e, label] for (s, e), _needle, label in GRAPHEME_SPANS],
    }
    content = json.dumps(record, ensure_ascii=False).encode()
    response = client.post(
        url,
        {"file": SimpleUploadedFile("g.jsonl", content), "format": "doccano",
         "offset_unit": "graphemes"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(response["Location"]).text
    assert "data-offset-unit" in page and "Grapheme clusters" in page
    assert f'data-count-spans="{len(GRAPHEME_SPANS)}"' in page
    token = re.search(r"/import/([A-Za-z0-9_-]+)/", response["Location"]).group(1)
    assert client.post(reverse("imports:confirm", args=[project.slug, token])).status_code == 302
    assert spans_of(Document.objects.get()) == expected_spans(GRAPHEME_TEXT, GRAPHEME_SPANS)
