"""Normalisation and its offset map: tables on Arabic orthography, then properties
(hypothesis) over astral characters, combining marks, tatweel and mixed Latin."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsreview.arabic.normalise import normalise, normalise_text


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("حمّوشي", "حموشي"),  # shadda
        ("حَمُّوشِي", "حموشي"),  # harakat
        ("كتابٌ", "كتاب"),  # tanween
        ("هٰذا", "هذا"),  # superscript alef
        ("ڤـــو", "فو"),  # tatweel and veh
        ("الأمن", "الامن"),
        ("إسلام", "اسلام"),
        ("آمن", "امن"),
        ("ٱلله", "الله"),
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("المملكة", "المملكه"),  # teh marbuta
        ("مسؤولين", "مسءولين"),
        ("مسئولين", "مسءولين"),  # another hamza carrier meets the same
        ("کریم", "كريم"),  # keheh, Farsi yeh
        ("گلوب", "كلوب"),  # gaf
        ("١٤ و١٥", "14 و15"),
        ("۱۴", "14"),  # Extended Arabic-Indic
        ("Frédéric VEAUX", "frédéric veaux"),
        ("Fre\u0301de\u0301ric", "frédéric"),  # NFC first
        ("ا\u0654من", "امن"),  # alef + hamza above composes to أ, then unified
    ],
)
def test_normalise_unifies_arabic_orthography(original, expected):
    assert normalise_text(original) == expected


def test_deleted_marks_and_tatweel_belong_to_the_letter_before():
    original = "ڤـــو"
    result = normalise(original)
    assert result.text == "فو"
    assert result.to_original(0, 1) == (0, 4)  # ڤ carries its tatweels
    assert result.to_original(1, 2) == (4, 5)
    assert result.to_original(0, 2) == (0, 5)


def test_a_match_never_ends_between_a_letter_and_its_marks():
    original = "حمّوشي"
    result = normalise(original)
    start, end = result.to_original(0, 2)  # «حم»
    assert original[start:end] == "حمّ"  # the shadda goes with its letter


def test_composed_cluster_maps_to_the_whole_cluster():
    original = "ب ا\u0654من"
    result = normalise(original)
    assert result.text == "ب امن"
    assert result.to_original(2, 5) == (2, 6)


def test_astral_characters_keep_code_point_offsets():
    original = "👍🏽 حموشي 🇲🇦"
    result = normalise(original)
    at = result.text.index("حموشي")
    start, end = result.to_original(at, at + 5)
    assert original[start:end] == "حموشي"
    assert start == 3  # two code points of emoji and a space, not UTF-16 units


def test_leading_orphan_mark_is_dropped_without_breaking_the_map():
    result = normalise("\u0651بلد")
    assert result.text == "بلد"
    assert result.to_original(0, 3) == (1, 4)


def test_to_original_refuses_an_empty_or_outside_range():
    result = normalise("بلد")
    with pytest.raises(ValueError):
        result.to_original(1, 1)
    with pytest.raises(ValueError):
        result.to_original(0, 4)


# --- properties ---------------------------------------------------------------------------

ALPHABET = st.sampled_from(
    list("حموشيالأإآٱىةؤئءبفكلوڤکیگ")
    + ["\u064b", "\u064e", "\u0650", "\u0651", "\u0652", "\u0654", "\u0670", "\u0640"]
    + list("٠١٩۰۹0123 \n،.()")
    + list("FrédicVeauxİßΣǅ")
    + ["e\u0301", "q\u0301", "\u0301", "😀", "👍🏽", "🇲🇦", "𝔸"]
)
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_map_is_monotonic_and_inside_the_text(text):
    result = normalise(text)
    assert len(result.starts) == len(result.ends) == len(result.text)
    for index in range(len(result.text)):
        assert 0 <= result.starts[index] < result.ends[index] <= len(text)
        if index:
            assert result.starts[index] >= result.starts[index - 1]
            assert result.ends[index] >= result.ends[index - 1]


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.data())
def test_every_boundary_range_maps_back_to_a_slice_that_normalises_to_it(text, data):
    result = normalise(text)
    boundaries = [i for i in range(len(result.text) + 1) if result.is_boundary(i)]
    if len(boundaries) < 2:
        return
    a = data.draw(st.sampled_from(boundaries[:-1]))
    b = data.draw(st.sampled_from([i for i in boundaries if i > a]))
    start, end = result.to_original(a, b)
    assert normalise_text(text[start:end]) == result.text[a:b]


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_a_mapped_range_never_starts_or_ends_inside_a_cluster(text):
    result = normalise(text)
    for index in range(len(result.text)):
        start, end = result.starts[index], result.ends[index]
        # The character after the end is never a combining mark of the range's cluster.
        assert (
            end == len(text)
            or unicodedata.combining(text[end]) == 0
            or (normalise_text(text[end]) != "")
        )
        assert (
            unicodedata.combining(text[start]) == 0
            or start == 0
            or index == 0
            or (result.starts[index - 1] == start)
        )


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_normalising_is_idempotent(text):
    once = normalise_text(text)
    assert normalise_text(once) == once


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_fast_path_gives_the_reference_result(text):
    from newsreview.arabic.normalise import _is_simple, _normalise_clusters, _normalise_fast

    if not _is_simple(text):
        return
    fast = _normalise_fast(text)
    reference = _normalise_clusters(text, simple=True)
    assert fast.text == reference.text
    assert list(fast.starts) == list(reference.starts)
    assert list(fast.ends) == list(reference.ends)
    clusters = _normalise_clusters(text)
    assert (clusters.text, list(clusters.starts), list(clusters.ends)) == (
        fast.text,
        list(fast.starts),
        list(fast.ends),
    )


def test_deleting_a_mark_between_a_letter_and_a_mark_keeps_normalising_idempotent():
    # Found by hypothesis: i + hamza above + acute; without the hamza, i + acute composes.
    once = normalise("i\u0654\u0301")
    assert once.text == "\u00ed"
    assert normalise(once.text).text == once.text


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_fast_path_allows_a_match_at_the_same_places_as_the_reference(text):
    """The fast path answers is_boundary without looking (one original character per
    normalised one); the reference looks at the map."""
    from newsreview.arabic.normalise import _is_simple, _normalise_clusters, _normalise_fast

    if not _is_simple(text):
        return
    fast, reference = _normalise_fast(text), _normalise_clusters(text)
    assert [fast.is_boundary(i) for i in range(len(fast.text) + 1)] == [
        reference.is_boundary(i) for i in range(len(reference.text) + 1)
    ]
