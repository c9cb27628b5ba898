import pytest

from newsreview.annotations import services


@pytest.mark.django_db
def test_reviewer_sees_the_first_listed_layer_when_they_have_none_and_there_is_no_gold(
    client, seed_document, annotator, reviewer
):
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    start = seed_document.text.index("حموشي")
    span = services.add_span(layer=layer, start=start, end=start + 5, label="PERS", by=annotator)
    client.force_login(reviewer)
    response = client.get(seed_document.get_absolute_url())
    assert response.status_code == 200
    assert f'data-span-id="{span.pk}"' in response.text
