"""Entity colours are fills behind the text: each must keep it readable (≥ 4.5:1)."""

import pytest
from django.core.exceptions import ValidationError

from newsreview.projects.default_schema import ENTITIES
from newsreview.projects.models import EntityType, fill_contrast


def test_contrast_matches_the_wcag_formula_at_its_extremes():
    # White stays white however often it is mixed: #1a1a1a on #fff.
    assert fill_contrast("#FFFFFF") == pytest.approx(17.4, abs=0.1)
    # Black: 70% over white is #4d4d4d, 55% black over that is #222222.
    assert fill_contrast("#000000") == pytest.approx(1.09, abs=0.01)


@pytest.mark.parametrize(("colour", "alone", "nested"), [("#C2255C", 5.04, 3.76)])
def test_contrast_is_judged_where_a_span_nests_in_one_of_its_own_label(colour, alone, nested):
    # The reviewer's case: fine as a single fill, too dark once nested.
    assert fill_contrast(colour) == pytest.approx(nested, abs=0.01)
    assert fill_contrast(colour) < 4.5 < alone


def test_every_default_entity_colour_keeps_the_text_readable():
    for key, _ar, _en, _shortcut, colour in ENTITIES:
        assert fill_contrast(colour) >= 4.5, key


@pytest.mark.django_db
@pytest.mark.parametrize(("colour", "accepted"), [("#000080", False), ("#FFEC99", True)])
def test_a_dark_entity_colour_is_refused_with_the_contrast_it_would_give(
    default_schema, colour, accepted
):
    label = EntityType(
        schema=default_schema, key="DARK", name_en="Dark", name_ar="داكن", colour=colour
    )
    if accepted:
        label.full_clean()
        return
    with pytest.raises(ValidationError) as error:
        label.full_clean()
    (message,) = error.value.message_dict["colour"]
    assert "Too dark for a fill behind the text (contrast 1.4:1 where spans nest" in message
