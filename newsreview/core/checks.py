"""Deploy checks (`manage.py check --deploy`): the development defaults that keep state in
one server's own `var/` folder, harmless on one machine, break a deployment of several
app servers and workers (README: Deploying)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


@register("deployment", deploy=True)
def check_shared_state(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    warnings = []
    default = settings.STORAGES["default"]
    location = (default.get("OPTIONS") or {}).get("location")
    on_disk = default["BACKEND"].endswith("FileSystemStorage") and location is not None
    if on_disk and _inside(Path(location), Path(settings.VAR_DIR)):
        warnings.append(
            Warning(
                f"Uploaded files and job results are kept in {location}, on this server "
                "only: another app server or worker cannot finish what this one began.",
                hint="Set NEWSREVIEW_STORAGE_DIR to a folder every app server and worker "
                "shares, or NEWSREVIEW_S3_BUCKET (README: Deploying).",
                id="newsreview.W001",
            )
        )
    if settings.NEWSREVIEW_SECRET_KEY_FROM_VAR:
        warnings.append(
            Warning(
                f"SECRET_KEY is the random key kept in {settings.VAR_DIR}: each server "
                "makes its own, and refuses the sessions and password-reset links of "
                "the others.",
                hint="Set the same SECRET_KEY on every app server and worker.",
                id="newsreview.W002",
            )
        )
    return warnings
