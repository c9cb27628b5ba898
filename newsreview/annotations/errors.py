"""The one error type of the annotation domain."""

from django.utils.functional import Promise


class AnnotationError(Exception):
    """A refused change: a stable `code` for tests and views, a message for the user.

    Views map codes to statuses with `http_status` (stale → 409, not found → 404, …).
    """

    STATUS = {
        "stale": 409,
        "text_mismatch": 409,
        "undo_conflict": 409,
        "forbidden": 403,
        "not_found": 404,
    }

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = str(message)

    @property
    def http_status(self) -> int:
        return self.STATUS.get(self.code, 422)
