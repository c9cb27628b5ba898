"""Uploaded files kept between the preview and the confirmation.

The confirmation imports the stored file again (parsed and validated again), never a
parsed payload sent back by the browser. Each upload lives in Django's default storage
under `uploads/<token>/` (a folder every app server and worker shares, or a bucket), so
the server that confirms or the worker that imports need not be the one that took the
upload; it is tied to the user and project that made it, and listed in the uploader's
session (stored in the database, like every session).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .results import ImportOptions, ImportResult

SESSION_KEY = "newsreview_imports"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}\Z")
MAX_AGE_SECONDS = 24 * 3600
DATA_FILE = "upload.bin"
META_FILE = "meta.json"
ROOT = "uploads"


def _name(token: str, file: str) -> str:
    return f"{ROOT}/{token}/{file}"


@dataclass
class Upload:
    token: str
    meta: dict[str, Any]

    @property
    def name(self) -> str:
        return self.meta["name"]

    @property
    def options(self) -> ImportOptions:
        return ImportOptions(**self.meta["options"])

    @property
    def summary(self) -> dict[str, Any]:
        return self.meta.get("summary") or {}

    @property
    def has_data(self) -> bool:
        return default_storage.exists(_name(self.token, DATA_FILE))

    def data(self) -> bytes | None:
        try:
            with default_storage.open(_name(self.token, DATA_FILE), "rb") as handle:
                return handle.read()
        except OSError:
            return None

    def drop_data(self) -> None:
        default_storage.delete(_name(self.token, DATA_FILE))

    def save_summary(self, result: ImportResult) -> None:
        self.meta["summary"] = summary_of(result)
        _write_json(_name(self.token, META_FILE), self.meta)

    def delete(self) -> None:
        for file in (DATA_FILE, META_FILE):
            default_storage.delete(_name(self.token, file))
        # A filesystem storage keeps the emptied folder; buckets have none.
        with contextlib.suppress(OSError, NotImplementedError):
            os.rmdir(default_storage.path(f"{ROOT}/{self.token}"))


def _write_json(name: str, value: Any) -> None:
    # Overwritten whole (the storage allows it); read only after it was written.
    default_storage.save(name, ContentFile(json.dumps(value, ensure_ascii=False).encode()))


def summary_of(result: ImportResult) -> dict[str, Any]:
    """What the preview page shows, as JSON (stored next to the upload)."""
    return {
        "format": result.format,
        "documents": result.documents,
        "layers": result.layers,
        "spans": result.spans,
        "events": result.events,
        "arguments": result.arguments,
        "comments": result.comments,
        "labels": sorted(result.labels.items()),
        "layer_names": sorted(result.layer_names.items()),
        "titles": result.titles,
        "users_to_create": result.users_to_create,
        "lost_tasks": [_problem(p) for p in result.lost_tasks],
        "error_count": len(result.errors),
        "errors": [_problem(p) for p in result.shown_errors],
        "warning_count": len(result.warnings),
        "warnings": [_problem(p) for p in result.shown_warnings],
    }


def _problem(problem: Any) -> dict[str, str]:
    return {
        "file": problem.file,
        "where": problem.where,
        "field": problem.field,
        "message": problem.message,
    }


def create_upload(
    *,
    session: Any,
    user_id: int,
    project_id: int,
    name: str,
    data: bytes,
    options: ImportOptions,
) -> Upload:
    """Store `data` under a fresh random token remembered in `session`."""
    remove_stale_uploads()
    token = secrets.token_urlsafe(32)
    default_storage.save(_name(token, DATA_FILE), ContentFile(data))
    meta = {
        "user": user_id,
        "project": project_id,
        "name": name,
        "options": {
            "format": options.format,
            "layer": options.layer,
            "annotator": options.annotator,
            "offset_unit": options.offset_unit,
        },
        "created": time.time(),
    }
    _write_json(_name(token, META_FILE), meta)
    session[SESSION_KEY] = [*session.get(SESSION_KEY, [])[-19:], token]
    return Upload(token=token, meta=meta)


def get_upload(*, session: Any, token: str, user_id: int, project_id: int) -> Upload | None:
    """The upload `token` if this session made it for this user and project."""
    if not TOKEN.match(token) or token not in session.get(SESSION_KEY, []):
        return None
    meta = read_meta(token)
    if meta is None or meta.get("user") != user_id or meta.get("project") != project_id:
        return None
    return Upload(token=token, meta=meta)


def read_meta(token: str) -> dict[str, Any] | None:
    try:
        with default_storage.open(_name(token, META_FILE), "rb") as handle:
            meta = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def stored_upload(token: str) -> Upload | None:
    """The upload `token` without a session check (for the job that imports it, which
    was started by a request that made that check)."""
    meta = read_meta(token) if TOKEN.match(token) else None
    return Upload(token=token, meta=meta) if meta is not None else None


def forget_upload(session: Any, upload: Upload) -> None:
    upload.delete()
    session[SESSION_KEY] = [t for t in session.get(SESSION_KEY, []) if t != upload.token]


def remove_stale_uploads() -> None:
    """Uploads nobody confirmed within a day are removed."""
    try:
        tokens, _files = default_storage.listdir(ROOT)
    except (OSError, NotImplementedError):
        return
    limit = time.time() - MAX_AGE_SECONDS
    for token in tokens:
        try:
            made = default_storage.get_modified_time(_name(token, META_FILE)).timestamp()
        except (OSError, NotImplementedError):
            continue
        if made < limit:
            Upload(token=token, meta={}).delete()
