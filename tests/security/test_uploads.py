"""Attacks through the import page: oversized bodies, files that are not what they claim,
zip bombs, hostile file names. Each is refused with a message and imports nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from newsreview.documents.models import Document
from tests.security.conftest import World

URL = reverse("imports:upload", args=["news"])


@pytest.fixture
def manager_client(world: World) -> Client:
    client = Client()
    client.force_login(world.user("manager"))
    return client


def _upload(client: Client, name: str, data: bytes, **extra):
    return client.post(URL, {"file": SimpleUploadedFile(name, data), "format": "", **extra})


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3000, 200_000])
def test_upload_over_the_size_limit_is_refused_with_a_clear_message(
    world: World, manager_client, settings, size
):
    """Both a body the server refuses unread (far over) and a file just over the limit."""
    settings.NEWSREVIEW_MAX_UPLOAD_BYTES = 2048
    before = Document.objects.count()
    response = _upload(manager_client, "big.txt", ("خبر " * size)[:size].encode())
    assert response.status_code == 413
    assert "The file is too big" in response.text
    assert "2.0\xa0KB" in response.text
    assert Document.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64),
        ("article.txt", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\x00\x00"),
        ("program.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("empty.txt", b""),
    ],
    ids=["png", "binary-named-txt", "exe", "empty"],
)
def test_file_that_is_not_a_text_format_is_refused_and_nothing_imported(
    world: World, manager_client, name, data
):
    before = Document.objects.count()
    response = _upload(manager_client, name, data)
    if response.status_code == 302:
        # The preview lists the problem and offers no confirmation.
        preview = manager_client.get(response.url)
        assert preview.status_code == 200
        assert "data-import-errors=" in preview.text
        assert 'id="confirm-form"' not in preview.text
        assert manager_client.post(response.url + "confirm/").status_code == 422
    else:
        assert response.status_code == 422, response.status_code
        assert 'class="form-errors"' in response.text
    assert Document.objects.count() == before


@pytest.mark.django_db
def test_zip_bomb_is_refused(world: World, manager_client, settings):
    settings.NEWSREVIEW_MAX_UPLOAD_BYTES = 100_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", "ا" * 5_000_000)  # 10 MB unpacked, a few KB packed
    assert len(buffer.getvalue()) < 100_000
    before = Document.objects.count()
    response = _upload(manager_client, "bomb.zip", buffer.getvalue())
    assert response.status_code in {413, 422}
    assert "the archive unpacks to more than 400,000 bytes" in response.text
    assert Document.objects.count() == before


@pytest.mark.django_db
def test_zip_entry_escaping_its_folder_is_not_written_outside(
    world: World, manager_client, tmp_path
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil.txt", "خبر عاجل")
    response = _upload(manager_client, "evil.zip", buffer.getvalue())
    assert response.status_code in {302, 422}
    assert not (tmp_path.parent / "evil.txt").exists()


@pytest.mark.django_db
def test_hostile_file_name_is_shown_escaped(world: World, manager_client):
    response = _upload(manager_client, "<img src=x onerror=alert(1)>.txt", "خبر".encode())
    page = manager_client.get(response.url) if response.status_code == 302 else response
    assert "<img src=x onerror=alert(1)>" not in page.text


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_non_manager_upload_is_forbidden_and_imports_nothing(world: World, role):
    client = Client()
    client.force_login(world.user(role))
    before = Document.objects.count()
    response = _upload(client, "a.txt", "خبر".encode())
    assert response.status_code == 403
    assert Document.objects.count() == before


@pytest.mark.django_db
def test_upload_token_of_another_session_is_not_found(world: World, manager_client):
    response = _upload(manager_client, "a.txt", "خبر عاجل".encode())
    assert response.status_code == 302
    preview_url = response.url
    assert manager_client.get(preview_url).status_code == 200
    superuser = Client()
    superuser.force_login(world.user("superuser"))
    assert superuser.get(preview_url).status_code == 404
    confirm = preview_url.rstrip("/") + "/confirm/"
    before = Document.objects.count()
    assert superuser.post(confirm).status_code == 404
    assert Document.objects.count() == before


@pytest.mark.django_db
def test_malformed_content_length_is_a_client_error_not_a_crash(world: World):
    client = Client(raise_request_exception=False)
    client.force_login(world.user("manager"))
    response = client.generic(
        "POST",
        URL,
        b"x=1",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="abc",
    )
    assert 400 <= response.status_code < 500
