"""`manage.py check --deploy` warns about the development defaults that keep state in one
server's own var/ folder (files, the secret key), and is quiet once they are shared."""

from __future__ import annotations

from django.core.checks import run_checks


def _ours() -> set[str]:
    found = run_checks(include_deployment_checks=True)
    return {message.id for message in found if message.id.startswith("newsreview.")}


def _file_storage(location: object) -> dict:
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": location},
    }


def test_files_kept_in_the_servers_own_var_folder_are_reported(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    own = _file_storage(tmp_path / "var" / "storage")
    settings.STORAGES = {**settings.STORAGES, "default": own}
    settings.NEWSREVIEW_SECRET_KEY_FROM_VAR = False

    assert _ours() == {"newsreview.W001"}


def test_a_shared_folder_or_a_bucket_is_not_reported(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.NEWSREVIEW_SECRET_KEY_FROM_VAR = False
    settings.STORAGES = {**settings.STORAGES, "default": _file_storage(tmp_path / "shared")}
    assert _ours() == set()

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "b"}},
    }
    assert _ours() == set()


def test_a_secret_key_made_by_this_server_is_reported(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.STORAGES = {**settings.STORAGES, "default": _file_storage(tmp_path / "shared")}
    settings.NEWSREVIEW_SECRET_KEY_FROM_VAR = True

    assert _ours() == {"newsreview.W002"}
