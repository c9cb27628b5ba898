"""Admin for layers, spans, events, arguments, comments and the audit trail.

Every change to annotations goes through `annotations.services` (validation, optimistic
locking, the audit trail): span and argument forms ask the service to validate inside a
rolled-back savepoint, so its refusals show as form errors, and the save calls it for
real. The audit trail (Change) is read-only.
"""

from . import comments, events, layers, spans  # noqa: F401  (each registers its admins)
