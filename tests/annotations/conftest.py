"""Fixtures of the seed article's annotations (defined in test_services.py), shared with the
event frame tests (test_events.py, test_frames_views.py)."""

from tests.annotations.test_services import (  # noqa: F401
    gpe,
    hammouchi,
    layer,
    meet,
    meeting,
    other_layer,
    participant,
    pers,
    text,
)
