import pytest


@pytest.mark.django_db(transaction=True)
def test_annotator_logs_in_and_sees_the_seed_article_right_to_left(
    login, live_server, seed_document, annotator
):
    page = login(annotator)
    page.goto(f"{live_server.url}{seed_document.get_absolute_url()}")
    text = page.locator("[data-doc-text]")
    assert text.text_content() == seed_document.text
    assert page.locator("article.document").get_attribute("dir") == "rtl"
