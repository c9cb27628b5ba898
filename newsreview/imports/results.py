"""What an import was asked to do and what it found or created."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .parsed import MAX_SHOWN_PROBLEMS, Problem

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    """What the user chose: the format (None = guess), the layer that receives the
    annotations of formats without layer information (`annotator` or `layer`), and the
    unit of a doccano file's offsets (None = UTF-16, doccano's default)."""

    format: str | None = None
    layer: str | None = None
    annotator: str | None = None
    offset_unit: str | None = None

    def target_label(self, format_name: str) -> str:
        return self.annotator or self.layer or default_layer_name(format_name)


def default_layer_name(format_name: str) -> str:
    return f"import-{format_name}"


@dataclass
class ImportResult:
    """What a batch contains (or created), and every problem found."""

    format: str = ""
    documents: int = 0
    layers: int = 0
    spans: int = 0
    events: int = 0
    arguments: int = 0
    comments: int = 0
    labels: Counter = field(default_factory=Counter)  # spans per label key
    layer_names: Counter = field(default_factory=Counter)  # layers per name
    titles: list[str] = field(default_factory=list)  # the first few
    users_to_create: list[str] = field(default_factory=list)
    # Label Studio tasks that had annotations or predictions of which nothing can be
    # imported: each would arrive as a document without annotations.
    lost_tasks: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    saved: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def shown_errors(self) -> list[Problem]:
        return self.errors[:MAX_SHOWN_PROBLEMS]

    @property
    def hidden_errors(self) -> int:
        return max(0, len(self.errors) - MAX_SHOWN_PROBLEMS)

    @property
    def shown_warnings(self) -> list[Problem]:
        return self.warnings[:MAX_SHOWN_PROBLEMS]

    @property
    def hidden_warnings(self) -> int:
        return max(0, len(self.warnings) - MAX_SHOWN_PROBLEMS)

    def error_report(self) -> str:
        """The first errors, one per line, then how many more (for the command)."""
        lines = [str(p) for p in self.shown_errors]
        if self.hidden_errors:
            lines.append(_("… and %(n)s more errors.") % {"n": self.hidden_errors})
        return "\n".join(lines)
