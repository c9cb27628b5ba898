"""The upload page: managers only, a preview listing every error, confirm writes."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from newsreview.accounts.models import User
from newsreview.annotations.models import AnnotationLayer, Span
from newsreview.documents.models import Document

from .conftest import HEADLINE, row_counts

DOCCANO = json.dumps(
    {"text": HEADLINE, "label": [[0, 5, "PERS"], [65, 70, "GPE"], [43, 47, "MOVEMENT_TRANSPORT"]]},
    ensure_ascii=False,
).encode()


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def upload_url(project):
    return reverse("imports:upload", args=[project.slug])


def post_file(client, project, name, content, **data):
    return client.post(upload_url(project), {"file": SimpleUploadedFile(name, content), **data})


def token_of(response) -> str:
    return re.search(r"/import/([A-Za-z0-9_-]+)/", response["Location"]).group(1)


@pytest.mark.django_db
def test_manager_sees_the_upload_form(client, project, manager):
    client.force_login(manager)
    response = client.get(upload_url(project))
    assert response.status_code == 200
    assert 'id="upload-form"' in response.text and 'type="file"' in response.text


@pytest.mark.django_db
def test_annotator_reviewer_and_outsider_are_refused(
    client, project, annotator, reviewer, outsider
):
    for user, status in ((annotator, 403), (reviewer, 403), (outsider, 404)):
        client.force_login(user)
        assert client.get(upload_url(project)).status_code == status
        response = post_file(client, project, "a.jsonl", DOCCANO, format="doccano")
        assert response.status_code == status
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_anonymous_user_is_sent_to_login(client, project):
    response = client.get(upload_url(project))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_upload_shows_preview_then_confirm_creates_the_documents(client, project, manager):
    client.force_login(manager)
    response = post_file(client, project, "d.jsonl", DOCCANO, format="doccano")
    assert response.status_code == 302
    assert not Document.objects.exists()  # a preview writes nothing
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert 'data-count-documents="1"' in preview.text
    assert 'data-count-spans="3"' in preview.text
    assert 'data-label-count="GPE"' in preview.text
    assert "import-doccano" in preview.text
    assert "data-confirm-import" in preview.text
    token = token_of(response)
    confirm = client.post(reverse("imports:confirm", args=[project.slug, token]))
    assert confirm.status_code == 302
    assert confirm["Location"] == reverse("documents:document-list", args=[project.slug])
    document = Document.objects.get()
    assert document.text == HEADLINE
    assert Span.objects.count() == 3
    assert AnnotationLayer.objects.get().name == "import-doccano"
    # The stored file is gone: confirming twice cannot import twice.
    again = client.post(reverse("imports:confirm", args=[project.slug, token]))
    assert again.status_code == 404
    assert Document.objects.count() == 1


@pytest.mark.django_db
def test_preview_lists_every_error_with_file_line_and_field(client, project, manager):
    client.force_login(manager)
    lines = [
        json.dumps({"text": HEADLINE, "label": [[0, 5, "NOPE"]]}, ensure_ascii=False),
        "{broken",
        json.dumps({"text": "قصير", "label": [[0, 50, "PERS"]]}, ensure_ascii=False),
    ]
    response = post_file(client, project, "bad.jsonl", "\n".join(lines).encode(), format="doccano")
    preview = client.get(response["Location"])
    assert 'data-import-errors="3"' in preview.text
    assert preview.text.count("data-import-error>") == 3
    assert "There is no label “NOPE” in this project&#x27;s schema." in preview.text
    assert "line 2" in preview.text and "not valid JSON" in preview.text
    assert "label[0]" in preview.text and "lies outside the text" in preview.text
    assert "data-confirm-import" not in preview.text
    confirm = client.post(reverse("imports:confirm", args=[project.slug, token_of(response)]))
    assert confirm.status_code == 422
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_not_utf8_upload_gets_a_clear_message(client, project, manager):
    client.force_login(manager)
    response = post_file(client, project, "latin.txt", "Hammouchi à Paris".encode("latin-1"))
    preview = client.get(response["Location"])
    assert "not valid UTF-8" in preview.text and "save it as UTF-8" in preview.text
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_malformed_zip_gets_a_clear_message(client, project, manager):
    client.force_login(manager)
    response = post_file(client, project, "brat.zip", b"PK\x03\x04 not really a zip")
    assert response.status_code == 422
    assert "not a valid zip archive" in response.text


@pytest.mark.django_db
def test_too_big_file_is_refused_with_the_limit(client, project, manager, settings):
    settings.NEWSREVIEW_MAX_UPLOAD_BYTES = 1000
    client.force_login(manager)
    before = row_counts()
    response = post_file(client, project, "big.txt", "حموشي ".encode() * 400)
    assert response.status_code == 413
    assert "The file is too big: the limit is 1000\xa0bytes" in response.text
    htmx = client.post(
        upload_url(project),
        {"file": SimpleUploadedFile("big.txt", b"x" * 2000)},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 422 and "too big" in htmx.text
    assert 'id="upload-form"' in htmx.text and "<html" not in htmx.text
    assert row_counts() == before


@pytest.mark.django_db
def test_body_over_the_limit_is_refused_before_it_is_read(project, manager, settings):
    settings.NEWSREVIEW_MAX_UPLOAD_BYTES = 100
    client = Client()
    client.force_login(manager)
    payload = "حموشي ".encode() * 20_000  # well over the limit plus the form's slack
    response = client.post(upload_url(project), {"file": SimpleUploadedFile("big.txt", payload)})
    assert response.status_code == 413
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_upload_post_without_csrf_token_is_refused(project, manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    response = client.post(upload_url(project), {"file": SimpleUploadedFile("a.txt", b"x")})
    assert response.status_code == 403
    token_page = client.get(upload_url(project))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', token_page.text).group(1)
    ok = client.post(
        upload_url(project),
        {"file": SimpleUploadedFile("a.txt", "نص".encode()), "csrfmiddlewaretoken": csrf},
    )
    assert ok.status_code == 302


@pytest.mark.django_db
def test_confirm_needs_csrf_and_the_uploaders_session(project, manager, default_schema):
    owner = Client(enforce_csrf_checks=True)
    owner.force_login(manager)
    page = owner.get(upload_url(project))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = owner.post(
        upload_url(project),
        {"file": SimpleUploadedFile("a.txt", "نص".encode()), "csrfmiddlewaretoken": csrf},
    )
    confirm_url = reverse("imports:confirm", args=[project.slug, token_of(response)])
    assert owner.post(confirm_url).status_code == 403  # no CSRF token
    other = Client()
    other.force_login(manager)  # same user, another session: the token is not theirs
    assert other.post(confirm_url).status_code == 404
    assert not Document.objects.exists()
    assert owner.post(confirm_url, {"csrfmiddlewaretoken": csrf}).status_code == 302
    assert Document.objects.count() == 1


@pytest.mark.django_db
def test_upload_into_an_annotators_layer(client, project, manager, annotator):
    client.force_login(manager)
    response = post_file(
        client, project, "d.jsonl", DOCCANO, format="doccano", annotator="annotator1"
    )
    client.post(reverse("imports:confirm", args=[project.slug, token_of(response)]))
    layer = AnnotationLayer.objects.get()
    assert (layer.kind, layer.owner) == ("annotator", annotator)


@pytest.mark.django_db
def test_htmx_confirm_redirects_the_client(client, project, manager):
    client.force_login(manager)
    response = post_file(client, project, "a.txt", "نص".encode())
    confirm = client.post(
        reverse("imports:confirm", args=[project.slug, token_of(response)]),
        headers={"HX-Request": "true"},
    )
    assert confirm.status_code == 200
    assert confirm["HX-Redirect"] == reverse("documents:document-list", args=[project.slug])


@pytest.mark.django_db
def test_progress_fragment_polls_while_the_file_waits_and_stops_after(client, project, manager):
    client.force_login(manager)
    response = post_file(client, project, "a.txt", "نص".encode())
    token = token_of(response)
    progress_url = reverse("imports:progress", args=[project.slug, token])
    waiting = client.get(progress_url, headers={"HX-Request": "true"})
    assert waiting.status_code == 200
    assert (
        'id="import-progress"' in waiting.text and 'hx-trigger="load delay:700ms"' in waiting.text
    )
    client.post(reverse("imports:confirm", args=[project.slug, token]))
    done = client.get(progress_url, headers={"HX-Request": "true"})
    assert "hx-trigger" not in done.text


@pytest.mark.django_db
def test_preview_page_query_count_does_not_grow_with_the_upload(
    client, project, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    lines = "\n".join([DOCCANO.decode()] * 50).encode()
    response = post_file(client, project, "d.jsonl", lines, format="doccano")
    with django_assert_max_num_queries(8):
        assert client.get(response["Location"]).status_code == 200


def forged_export(annotator: str, author: str) -> bytes:
    record = {
        "format": "newsreview/1",
        "document": {"id": "forged", "text": HEADLINE},
        "layer": annotator, "layer_kind": "annotator", "annotator": annotator,
        "status": "reviewed",
        "entities": [{"id": "e1", "label": "PERS", "start": 0, "end": 5, "text": "حموشي"}],
        "comments": [{"author": author, "text": "I approve this", "span": None}],
    }  # fmt: skip
    return (json.dumps(record, ensure_ascii=False) + "\n").encode()


@pytest.mark.django_db
def test_a_managers_upload_cannot_name_non_members_nor_create_accounts(
    client, project, manager, annotator, outsider
):
    client.force_login(manager)
    before = row_counts()
    users = set(User.objects.values_list("username", flat=True))
    for who, author in [(outsider.username, annotator.username), (annotator.username, "newbie")]:
        response = post_file(client, project, "f.jsonl", forged_export(who, author))
        preview = client.get(response["Location"]).text
        assert 'data-import-errors="1"' in preview
        named = outsider.username if who == outsider.username else "newbie"
        assert f"“{named}” is not a member of this project" in preview
        assert "data-confirm-import" not in preview
    assert row_counts() == before
    assert set(User.objects.values_list("username", flat=True)) == users


@pytest.mark.django_db
def test_a_managers_upload_may_credit_the_projects_members(client, project, manager, annotator):
    client.force_login(manager)
    response = post_file(client, project, "f.jsonl", forged_export(annotator.username, "admin1"))
    assert "“admin1” is not a member" in client.get(response["Location"]).text
    response = post_file(
        client, project, "f.jsonl", forged_export(annotator.username, manager.username)
    )
    assert "data-confirm-import" in client.get(response["Location"]).text
    confirm = client.post(reverse("imports:confirm", args=[project.slug, token_of(response)]))
    assert confirm.status_code == 302
    layer = AnnotationLayer.objects.get(owner=annotator)
    assert layer.comments.get().author == manager


@pytest.mark.django_db
def test_a_managers_upload_cannot_credit_a_deactivated_member(client, project, manager, annotator):
    annotator.is_active = False
    annotator.save()
    client.force_login(manager)
    response = post_file(client, project, "f.jsonl", forged_export(annotator.username, "x"))
    preview = client.get(response["Location"]).text
    assert f"“{annotator.username}” is a member of this project, but deactivated" in preview
    assert "data-confirm-import" not in preview
