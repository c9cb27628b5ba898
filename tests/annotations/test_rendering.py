"""rendering.render_spans: nested, overlapping and crossing spans become <mark> elements
whose text content is the document text exactly, with every piece of text escaped."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from newsreview.annotations.rendering import SpanView, render_spans

SEED = "التقى المدير العام للأمن الوطني عبد اللطيف حموشي (Frédéric Veaux) 14 و15 دجنبر"


class Marks(HTMLParser):
    """Text content plus, for every <mark>, its attributes and the text inside it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.marks: list[dict] = []
        self.open: list[dict] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        assert tag in ("mark", "span"), tag
        if tag == "span":
            self.open.append({"chunk": True, "inner": ""})
            return
        depth = len([m for m in self.open if "chunk" not in m])
        mark = {**dict(attrs), "inner": "", "depth": depth}
        self.marks.append(mark)
        self.open.append(mark)

    def handle_endtag(self, tag):
        assert self.open.pop() is not None

    def handle_data(self, data):
        self.text += data
        for mark in self.open:
            mark["inner"] += data


def parse(html: str) -> Marks:
    parser = Marks()
    parser.feed(html)
    parser.close()
    assert parser.open == []  # every element closed
    return parser


def span(id_: int, text: str, part: str, label: str = "PERS", after: int = 0) -> SpanView:
    start = text.index(part, after)
    return SpanView(
        id=id_,
        start=start,
        end=start + len(part),
        label=label,
        colour="#F4A6A6",
        kind="entity",
        description=f"{label}: {part}",
    )


def spans_by_id(marks: Marks) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for mark in marks.marks:
        out.setdefault(mark["data-span-id"], []).append(mark)
    return out


def test_text_without_spans_is_the_escaped_text():
    assert render_spans("a < b & c", []) == "a &lt; b &amp; c"


def test_nested_span_is_an_element_inside_the_outer_one():
    occ = span(1, SEED, "المدير العام للأمن الوطني", "OCC")
    org = span(2, SEED, "لأمن الوطني", "ORG")  # «لل»: the span starts at the second ل
    parsed = parse(render_spans(SEED, [org, occ]))
    assert parsed.text == SEED
    by_id = spans_by_id(parsed)
    assert [m["depth"] for m in by_id["1"]] == [0]
    assert [m["depth"] for m in by_id["2"]] == [1]
    assert by_id["1"][0]["inner"] == "المدير العام للأمن الوطني"
    assert by_id["2"][0]["data-start"] == str(org.start)


def test_crossing_spans_are_cut_into_fragments_that_carry_the_whole_span():
    text = SEED
    a = span(1, text, "عبد اللطيف حموشي", "PERS")
    b = span(2, text, "حموشي (Frédéric", "ORG")  # starts inside a, ends after it
    parsed = parse(render_spans(text, [a, b]))
    assert parsed.text == text
    by_id = spans_by_id(parsed)
    pieces = by_id["2"]
    assert len(pieces) == 2
    assert pieces[0].get("tabindex") == "0" and "data-fragment" not in pieces[0]
    assert pieces[1].get("data-fragment") == "true" and "tabindex" not in pieces[1]
    for piece in pieces:
        assert (piece["data-start"], piece["data-end"]) == (str(b.start), str(b.end))
        assert piece["data-label"] == "ORG"
    assert "".join(p["inner"] for p in pieces) == text[b.start : b.end]


def test_identical_ranges_with_two_labels_and_touching_spans_keep_the_text():
    text = SEED
    spans = [
        span(1, text, "حموشي", "PERS"),
        span(2, text, "حموشي", "ORG"),
        span(3, text, "14", "DATE"),
        span(4, text, " و15", "DATE"),
        span(5, text, "(Frédéric Veaux)", "PERS"),
    ]
    parsed = parse(render_spans(text, spans))
    assert parsed.text == text
    assert {m["data-span-id"] for m in parsed.marks if "tabindex" in m} == {"1", "2", "3", "4", "5"}


def test_spans_around_astral_characters_and_combining_marks_keep_the_text():
    text = "🇲🇦😀 حموشي e\u0301 ڤـــو"
    spans = [span(1, text, "😀 حم"), span(2, text, "e\u0301"), span(3, text, "ـــو")]
    parsed = parse(render_spans(text, spans))
    assert parsed.text == text
    by_id = spans_by_id(parsed)
    assert by_id["1"][0]["inner"] == "😀 حم"
    assert by_id["1"][0]["data-start"] == "2"  # code points: the flag counts two


def test_spans_outside_the_text_are_left_out():
    text = "حموشي"
    bad = SpanView(
        id=9, start=3, end=99, label="PERS", colour="#000000", kind="entity", description="x"
    )
    assert render_spans(text, [bad]) == text


@pytest.mark.parametrize(
    "hostile",
    [
        '<script>alert("x")</script>',
        'Tom & Jerry\'s "quote" <b>bold</b>',
        "&amp; &lt;already escaped&gt;",
    ],
)
def test_hostile_text_and_labels_are_escaped(hostile):
    text = f"قبل {hostile} بعد"
    evil = SpanView(
        id=1,
        start=text.index(hostile),
        end=text.index(hostile) + len(hostile),
        label='X" onmouseover="alert(1)',
        colour='red; background: url("javascript:alert(1)")',
        kind="entity",
        description=f'Person: {hostile}"',
    )
    html = render_spans(text, [evil])
    assert "<script" not in html and "<b>" not in html
    parsed = parse(html)
    assert parsed.text == text
    assert parsed.tags == {"mark"}
    (mark,) = parsed.marks
    assert mark["data-label"] == 'X" onmouseover="alert(1)'  # one attribute, not two
    assert "onmouseover" not in mark
    assert mark["aria-label"] == f'Person: {hostile}"'


def test_selected_span_is_marked_on_every_fragment():
    text = SEED
    a = span(1, text, "عبد اللطيف حموشي")
    b = span(2, text, "حموشي (Frédéric")
    parsed = parse(render_spans(text, [a, b], selected_id=2))
    for mark in parsed.marks:
        assert ("is-selected" in mark["class"]) == (mark["data-span-id"] == "2")


def test_chunks_end_after_newlines_or_white_space_and_never_cut_a_word():
    from newsreview.annotations.rendering import CHUNK_LENGTH, chunk_bounds

    text = "عنوان\n" + "حموشي " * (CHUNK_LENGTH // 3) + "\n\nباريس"
    bounds = chunk_bounds(text)
    assert bounds[0] == (0, 6)
    assert "".join(text[a:b] for a, b in bounds) == text
    for _a, b in bounds:
        assert b == len(text) or text[b - 1].isspace()


def test_a_span_across_chunks_is_a_fragment_after_the_first_chunk():
    from newsreview.annotations.rendering import render_chunks

    text = "قال حموشي\nفي باريس اليوم"
    across = span(1, text, "حموشي\nفي باريس")
    parsed = parse(render_chunks(text, [across, span(2, text, "باريس", "GPE")]))
    assert parsed.text == text
    pieces = [m for m in parsed.marks if m.get("data-span-id") == "1"]
    assert [("tabindex" in p, p.get("data-fragment")) for p in pieces] == [
        (True, None),
        (False, "true"),
    ]
    assert "".join(p["inner"] for p in pieces) == "حموشي\nفي باريس"


def test_optional_view_fields_add_classes_and_data_but_change_nothing_by_default():
    from newsreview.annotations.rendering import SpanView, render_spans

    text = "حموشي يعيد"
    plain = SpanView(1, 0, 5, "PERS", "#F4A6A6", "entity", "Person: حموشي")
    assert render_spans(text, [plain]) == render_spans(text, [SpanView(*plain.__dict__.values())])
    candidate = SpanView(
        -1, 0, 5, "PERS", "#F4A6A6", "entity", "x",
        classes="candidate", extra=(("data-users", 'a1 "a2"'),), is_stored=False,
        is_focusable=False,
    )  # fmt: skip
    html = render_spans(text, [candidate])
    assert 'class="span span--entity candidate"' in html
    assert 'data-users="a1 &quot;a2&quot;"' in html
    assert "data-span-id" not in html and "tabindex" not in html
    assert 'data-span-id="1"' in render_spans(text, [plain])
