"""Entity colours are fills behind the text: each must keep it readable (≥ 4.5:1)."""

import pytest
from django.core.exceptions import ValidationError

from newsreview.projects.default_schema import ENTITIES
from newsreview.projects.models import EntityType, fill_contrast


def test_contrast_matches_the_wcag_formula_at_its_extremes():
    # White fill (any colour mixed 70% with white is lighter than itself) vs #1a1a1a.
    assert fill_contrast("#FFFFFF") == pytest.approx(17.4, abs=0.1)
    assert fill_contrast("#000000") == pytest.approx(2.06, abs=0.01)  # on #4d4d4d


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
    assert "Too dark for a fill behind the text (contrast 2.4:1" in message
