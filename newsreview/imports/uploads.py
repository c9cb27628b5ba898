"""Uploaded files kept on the server between the preview and the confirmation.

The confirmation imports the stored file again (parsed and validated again), never a
parsed payload sent back by the browser. Each upload lives in
`VAR_DIR/uploads/<token>/`, tied to the user and project that made it, and listed in
the uploader's session; a progress file there lets the page show how far an import is.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from .results import ImportOptions, ImportResult

SESSION_KEY = "newsreview_imports"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}\Z")
MAX_AGE_SECONDS = 24 * 3600
DATA_FILE = "upload.bin"


def upload_root() -> Path:
    return Path(settings.VAR_DIR) / "uploads"


@dataclass
class Upload:
    token: str
    path: Path
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
        return (self.path / DATA_FILE).exists()

    def data(self) -> bytes | None:
        data_file = self.path / DATA_FILE
        return data_file.read_bytes() if data_file.exists() else None

    def drop_data(self) -> None:
        (self.path / DATA_FILE).unlink(missing_ok=True)

    def save_summary(self, result: ImportResult) -> None:
        self.meta["summary"] = summary_of(result)
        _write_json(self.path / "meta.json", self.meta)

    def write_progress(self, stage: str, done: int, total: int) -> None:
        _write_json(
            self.path / "progress.json",
            {"stage": stage, "done": done, "total": total, "at": time.time()},
        )

    def progress(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.path / "progress.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def delete(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _write_json(path: Path, value: Any) -> None:
    # Written aside and renamed: a poll never reads half a file.
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(value, ensure_ascii=False), "utf-8")
    os.replace(partial, path)


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
    path = upload_root() / token
    path.mkdir(parents=True, mode=0o700)
    (path / DATA_FILE).write_bytes(data)
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
    _write_json(path / "meta.json", meta)
    session[SESSION_KEY] = [*session.get(SESSION_KEY, [])[-19:], token]
    return Upload(token=token, path=path, meta=meta)


def get_upload(*, session: Any, token: str, user_id: int, project_id: int) -> Upload | None:
    """The upload `token` if this session made it for this user and project."""
    if not TOKEN.match(token) or token not in session.get(SESSION_KEY, []):
        return None
    path = upload_root() / token
    try:
        meta = json.loads((path / "meta.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user") != user_id or meta.get("project") != project_id:
        return None
    return Upload(token=token, path=path, meta=meta)


def forget_upload(session: Any, upload: Upload) -> None:
    upload.delete()
    session[SESSION_KEY] = [t for t in session.get(SESSION_KEY, []) if t != upload.token]


def remove_stale_uploads() -> None:
    """Uploads nobody confirmed within a day are removed."""
    root = upload_root()
    if not root.exists():
        return
    limit = time.time() - MAX_AGE_SECONDS
    for child in root.iterdir():
        try:
            if child.is_dir() and child.stat().st_mtime < limit:
                shutil.rmtree(child, ignore_errors=True)
        except OSError:
            continue
