"""Exports and event frames (issue 12): attributes travel in jsonl and brat; an argument
whose role its event's type lacks (left by a type change) is left out of every format and
counted on stderr, never written under a role the type does not have."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command

from newsreview.annotations import events, services
from tests.annotations.test_services import at

pytestmark = pytest.mark.django_db


def export(project, fmt: str, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "export_annotations",
        "--project",
        project.slug,
        "--format",
        fmt,
        "--layer",
        "all",
        *extra,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


@pytest.fixture
def retyped(seed_document, annotator):
    """A meeting with Hammouchi as participant and Paris as place, then turned into a
    phone call (no PLACE), realis actual."""
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    text = seed_document.text
    spans = {}
    for word, label in (("حموشي", "PERS"), ("باريس", "GPE"), ("اللقاءات", "CONTACT_MEET")):
        start, end = at(text, word)
        spans[word] = services.add_span(
            layer=layer, start=start, end=end, label=label, by=annotator
        )
    event = spans["اللقاءات"].event
    services.add_argument(
        layer=layer, event=event, role="PARTICIPANT", span=spans["حموشي"], by=annotator
    )
    services.add_argument(layer=layer, event=event, role="PLACE", span=spans["باريس"], by=annotator)
    events.set_event_attribute(
        layer=layer, event=event, name="realis", value="actual", by=annotator
    )
    services.update_span(
        layer=layer, span=spans["اللقاءات"], label="CONTACT_PHONE_WRITE", by=annotator
    )
    return seed_document


def test_jsonl_leaves_out_an_argument_of_a_role_the_type_lacks_and_says_so(project, retyped):
    out, err = export(project, "jsonl")
    (event,) = json.loads(out.splitlines()[0])["events"]
    assert event["type"] == "CONTACT_PHONE_WRITE"
    assert [a["role"] for a in event["arguments"]] == ["PARTICIPANT"]
    assert event["attributes"] == {"realis": "actual"}
    assert "1 event argument(s) in 1 document(s) are left out" in err


def test_brat_writes_realis_as_an_attribute_line_and_no_orphaned_role(project, retyped, tmp_path):
    target = tmp_path / "out.zip"
    call_command(
        "export_annotations",
        "--project",
        project.slug,
        "--format",
        "brat",
        "--layer",
        "all",
        "-o",
        str(target),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    with zipfile.ZipFile(target) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".ann"))
        ann = archive.read(name).decode("utf-8")
    (e_line,) = [line for line in ann.splitlines() if line.startswith("E")]
    assert e_line.split("\t")[1].split()[1].startswith("PARTICIPANT:")
    assert "PLACE" not in e_line
    assert "\trealis E1 actual" in ann


def test_doccano_counts_the_attribute_as_left_out(project, retyped):
    _out, err = export(project, "doccano")
    assert "comment(s) or event attribute(s)" in err
