"""Annotator layers built through the annotation services, with offsets found in the
text, for the agreement, assignment and dashboard tests."""

from __future__ import annotations

import pytest

from newsreview.annotations import services as annotate
from newsreview.annotations.models import AnnotationLayer
from newsreview.documents.services import create_document
from newsreview.projects.models import Membership
from tests.factories import MembershipFactory, UserFactory

# FORMATS.md §2's example sentence, with a clitic (بفرنسا) and the proclitic و (ورحلة).
HEADLINE = "حموشي يعيد الدفء إلى علاقات المغرب بفرنسا ورحلة قريبة ستأخذه إلى باريس"


def find(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def layer_with(document, user, spans, *, submit=True, gold=False):
    """A layer of `user` (or the gold layer) holding `spans` [(needle, label)], submitted."""
    if gold:
        layer = annotate.get_or_create_named_layer(
            document=document, name="gold", kind=AnnotationLayer.Kind.GOLD
        )
    else:
        layer = annotate.get_or_create_layer(document=document, user=user)
    made = {}
    for needle, label, *occurrence in spans:
        start, end = find(document.text, needle, *(occurrence or [0]))
        made[(needle, label)] = annotate.add_span(
            layer=layer, start=start, end=end, label=label, by=user, text=needle
        )
    if submit and not gold:
        annotate.set_layer_status(layer=layer, status=AnnotationLayer.Status.DONE, by=user)
    layer.made = made
    return layer


@pytest.fixture
def team(project):
    """Three annotators of `project` (alice, bob, carol) and a reviewer."""
    users = {}
    for name in ("alice", "bob", "carol"):
        users[name] = UserFactory(username=name)
        MembershipFactory(project=project, user=users[name], role=Membership.Role.ANNOTATOR)
    users["rev"] = UserFactory(username="rev")
    MembershipFactory(project=project, user=users["rev"], role=Membership.Role.REVIEWER)
    return users


@pytest.fixture
def headline_doc(project):
    return create_document(project=project, text=HEADLINE, external_id="headline")
