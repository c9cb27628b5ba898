"""The export formats: one module per format under `newsreview/exports/formats/`, found
by module name, used the same way by `export_annotations` and the export page.

A format module defines::

    KEY: str            # "conll": the value of --format
    MEDIA_TYPE: str     # "text/plain; charset=utf-8"
    EXTENSION: str      # ".conll"
    def write(records, out, *, project, options, warn) -> None
    def side_files(project, options) -> dict[str, bytes]   # optional
    def add_arguments(parser) -> None                      # optional
    LABEL: str          # optional: the name the export page shows
    SIDE_FILE_OPTIONS: dict[str, str]  # optional: side file name → option giving its path
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, BinaryIO

from django.utils.translation import gettext

from newsreview.projects.models import Project

from .records import ExportError, LayerRecord

# Module names in the order the export page lists them. The token formats (conll,
# spacy_docbin, hf) are written separately; a missing module is simply not offered.
MODULES = ("jsonl", "conll", "spacy_docbin", "hf", "brat", "doccano", "labelstudio", "csv")
PACKAGE = "newsreview.exports.formats"


@dataclass(frozen=True)
class ExportFormat:
    """A loaded format module and the bits of it every caller needs."""

    key: str
    module: ModuleType

    @property
    def label(self) -> str:
        # Format modules mark LABEL with gettext_noop; it is translated when shown.
        return gettext(getattr(self.module, "LABEL", self.key))

    @property
    def media_type(self) -> str:
        return self.module.MEDIA_TYPE

    @property
    def extension(self) -> str:
        return self.module.EXTENSION

    @property
    def is_text(self) -> bool:
        return self.media_type.startswith(("text/", "application/json", "application/x-ndjson"))

    def write(
        self,
        records: Iterable[LayerRecord],
        out: BinaryIO,
        *,
        project: Project,
        options: dict[str, Any],
        warn: Callable[[str], None],
    ) -> None:
        self.module.write(records, out, project=project, options=options, warn=warn)

    def side_files(self, project: Project, options: dict[str, Any]) -> dict[str, bytes]:
        side_files = getattr(self.module, "side_files", None)
        return side_files(project, options) if side_files else {}

    @property
    def side_file_options(self) -> dict[str, str]:
        return dict(getattr(self.module, "SIDE_FILE_OPTIONS", {}))

    def add_arguments(self, parser: Any) -> None:
        add_arguments = getattr(self.module, "add_arguments", None)
        if add_arguments:
            add_arguments(parser)

    def parser(self) -> argparse.ArgumentParser:
        """A parser holding only this format's own flags (the export page reads them)."""
        parser = argparse.ArgumentParser(prog=self.key, add_help=False, exit_on_error=False)
        self.add_arguments(parser)
        return parser


_loaded: dict[str, ExportFormat] | None = None
_broken: dict[str, str] = {}


def _load() -> dict[str, ExportFormat]:
    global _loaded
    if _loaded is not None:
        return _loaded
    formats: dict[str, ExportFormat] = {}
    for name in MODULES:
        full = f"{PACKAGE}.{name}"
        try:
            module = importlib.import_module(full)
        except ModuleNotFoundError as error:
            if error.name == full:
                continue  # not written yet: not offered
            _broken[name] = str(error)  # a dependency is missing: say so when asked for
            continue
        formats[module.KEY] = ExportFormat(key=module.KEY, module=module)
    _loaded = formats
    return formats


def formats() -> dict[str, ExportFormat]:
    """Every available format by key, in the export page's order."""
    return dict(_load())


def get_format(key: str) -> ExportFormat:
    """The format `key`, or ExportError listing the available ones."""
    available = _load()
    if key in available:
        return available[key]
    broken = {name: reason for name, reason in _broken.items() if name.startswith(key)}
    detail = f" ({'; '.join(broken.values())})" if broken else ""
    raise ExportError(f"unknown format “{key}”{detail}: use one of {', '.join(sorted(available))}")


class SharedOptions:
    """Hands a format's `add_arguments` a parser on which a flag already declared by
    another format (two token formats may both take --align) is skipped, not an error."""

    def __init__(self, parser: Any) -> None:
        self._parser = parser

    def add_argument(self, *names: str, **kwargs: Any) -> Any:
        known = getattr(self._parser, "_option_string_actions", {})
        if any(name in known for name in names):
            return None
        return self._parser.add_argument(*names, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parser, name)


def add_all_arguments(parser: Any) -> None:
    """Every format's own flags on one parser (the command's)."""
    shared = SharedOptions(parser)
    for export_format in _load().values():
        export_format.add_arguments(shared)
