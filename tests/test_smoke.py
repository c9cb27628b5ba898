import pytest
from django.core.management import call_command

from newsreview.accounts.models import User
from newsreview.documents.models import Document


@pytest.mark.django_db
def test_load_demo_then_annotator_sees_seed_article_right_to_left(client, seed_text):
    call_command("load_demo")
    call_command("load_demo")
    assert Document.objects.count() == 1
    assert Document.objects.get().text == seed_text.replace("\r\n", "\n")
    client.force_login(User.objects.get(username="annotator1"))
    document = Document.objects.get()
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    assert 'dir="rtl"' in response.text
    assert "حموشي" in response.text
