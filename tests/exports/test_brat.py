"""brat standoff (FORMATS.md §5): zip content, .ann lines, annotation.conf."""

import io
import zipfile

import pytest

from newsreview.annotations import services as annotate
from newsreview.annotations.models import Event
from newsreview.exports.formats.brat import annotation_conf

from .conftest import add, export_bytes

HEADLINE_ANN = (
    "T1\tPERS 0 5\tحموشي\n"
    "T2\tGPE 28 34\tالمغرب\n"
    "T3\tGPE 36 41\tفرنسا\n"
    "T4\tGPE 65 70\tباريس\n"
    "T5\tMOVEMENT_TRANSPORT 43 47\tرحلة\n"
    "E1\tMOVEMENT_TRANSPORT:T5 ARTIFACT:T1 DESTINATION:T4\n"
)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.django_db
def test_brat_ann_matches_the_formats_example(headline, project):
    files = unzip(export_bytes(project, "brat")[0])
    assert sorted(files) == [
        "000_f057059c50c62636.ann", "000_f057059c50c62636.txt", "annotation.conf", "visual.conf",
    ]  # fmt: skip
    assert files["000_f057059c50c62636.ann"].decode("utf-8") == HEADLINE_ANN
    assert files["000_f057059c50c62636.txt"] == headline.text.encode("utf-8")


@pytest.mark.django_db
def test_brat_offsets_index_the_txt_file_in_code_points(tricky, seed_gold, project):
    files = unzip(export_bytes(project, "brat", "all")[0])
    for name in (n for n in files if n.endswith(".ann")):
        text = files[name.removesuffix(".ann") + ".txt"].decode("utf-8")
        for line in files[name].decode("utf-8").splitlines():
            if line.startswith("T"):
                _id, label_offsets, covered = line.split("\t")
                _label, start, end = label_offsets.split(" ")
                assert text[int(start) : int(end)] == covered


@pytest.mark.django_db
def test_brat_repeated_role_gets_a_numeric_suffix_and_comments_become_notes(seed_gold, project):
    files, warnings = export_bytes(project, "brat")
    ann = unzip(files)["seed.ann"].decode("utf-8").splitlines()
    (event_line,) = [line for line in ann if line.startswith("E")]
    assert event_line == "E1\tCONTACT_MEET:T7 PARTICIPANT:T2 PARTICIPANT2:T5"
    assert ann[6].startswith("T7\tCONTACT_MEET ")
    assert [line for line in ann if line.startswith("#")] == [
        '#1\tAnnotatorNotes T3\tOCC يضم ORG, "متداخل"'
    ]
    assert warnings == [
        "document seed, layer gold: a comment not attached to a span cannot be written in "
        "brat (AnnotatorNotes need a span)"
    ]


@pytest.mark.django_db
def test_brat_annotation_conf_declares_the_schema(headline, project):
    conf = unzip(export_bytes(project, "brat")[0])["annotation.conf"].decode()
    sections = conf.split("\n\n")
    assert sections[0].splitlines()[:3] == ["[entities]", "PERS", "ORG"]
    assert "CRIME" in sections[0].splitlines()
    events = sections[2].splitlines()
    assert events[0] == "[events]"
    # PARTICIPANT is required in the default schema (issue 12): at least one, may repeat.
    assert "CONTACT_MEET\tPARTICIPANT+:PERS|ORG|GPE|NORP, PLACE?:GPE|LOC|FAC, TIME?:DATE|TIME" in (
        events
    )
    assert len(events) == 13  # header + 12 event types
    assert conf == annotation_conf(project)


@pytest.mark.django_db
def test_brat_event_attributes_become_a_lines_declared_in_the_conf(headline, project):
    event = Event.objects.get(layer__document=headline)
    event.attributes = {"Realis": "Other", "Negated": True, "Generic": False}
    event.save()
    files = unzip(export_bytes(project, "brat")[0])
    ann = files["000_f057059c50c62636.ann"].decode().splitlines()
    assert ann[-2:] == ["A1\tNegated E1", "A2\tRealis E1 Other"]
    conf = files["annotation.conf"].decode()
    assert "Negated\tArg:<EVENT>\n" in conf and "Realis\tArg:<EVENT>, Value:Other\n" in conf


@pytest.mark.django_db
def test_brat_with_all_layers_names_files_by_document_and_layer(seed_gold, project):
    names = sorted(unzip(export_bytes(project, "brat", "all")[0]))
    assert names == [
        "annotation.conf", "seed.annotator1.ann", "seed.annotator1.txt", "seed.gold.ann",
        "seed.gold.txt", "visual.conf",
    ]  # fmt: skip


@pytest.mark.django_db
def test_brat_span_over_a_line_break_keeps_exact_offsets_on_one_line(project, reviewer):
    from newsreview.documents.services import create_document

    document = create_document(project=project, text="مدينة\r\nباريس", external_id="nl")
    gold = annotate.get_or_create_named_layer(document=document, name="gold")
    add(gold, "مدينة\nباريس", "GPE", reviewer)
    ann = unzip(export_bytes(project, "brat")[0])["nl.ann"].decode()
    assert ann == "T1\tGPE 0 11\tمدينة باريس\n"


@pytest.mark.django_db
def test_two_brat_exports_are_byte_identical(seed_gold, headline, project):
    assert export_bytes(project, "brat", "all")[0] == export_bytes(project, "brat", "all")[0]
