"""Every change to annotations goes through these functions: views, admin, importers and
commands call them. Each validates its input, runs in one transaction, checks the
layer's version (optimistic locking) when the caller saw one, and writes the audit trail.

One module per job: `layers` (find, lock, bump, audit), `checks` (validation), `state`
(audit records and what undo/redo restore), `spans`, `arguments`, `history` (undo/redo)
and `status` (workflow moves and comments). Callers import from here.
"""

from .arguments import add_argument, delete_argument
from .checks import (
    check_duplicate,
    check_label,
    check_offsets,
    check_role_allows,
    check_single_line,
    check_trimmed,
    resolve_label,
    span_of,
)
from .history import redo, undo
from .layers import (
    UNDOABLE,
    Label,
    State,
    bump_version,
    check_version,
    close_write,
    end_redo_chain,
    get_or_create_layer,
    get_or_create_named_layer,
    lock_layer,
    lock_named_layer,
    record_change,
)
from .spans import add_span, add_spans, delete_span, update_span
from .state import apply_state, replay, span_closure, state_of
from .status import add_comment, delete_comment, set_layer_status

__all__ = [
    "UNDOABLE",
    "Label",
    "State",
    "add_argument",
    "add_comment",
    "add_span",
    "add_spans",
    "apply_state",
    "bump_version",
    "check_duplicate",
    "check_label",
    "check_offsets",
    "check_role_allows",
    "check_single_line",
    "check_trimmed",
    "check_version",
    "close_write",
    "delete_argument",
    "delete_comment",
    "delete_span",
    "end_redo_chain",
    "get_or_create_layer",
    "get_or_create_named_layer",
    "lock_layer",
    "lock_named_layer",
    "record_change",
    "redo",
    "replay",
    "resolve_label",
    "set_layer_status",
    "span_closure",
    "span_of",
    "state_of",
    "undo",
    "update_span",
]
