"""Export → import into an empty database → export: newsreview JSONL comes back byte for
byte; the other formats give back the same spans (as far as each format carries them)."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from newsreview.accounts.models import User
from newsreview.annotations import services as annotate
from newsreview.annotations.models import AnnotationLayer, Change, Comment, Span
from newsreview.documents.models import Document
from newsreview.documents.services import create_document
from newsreview.exports import registry
from newsreview.projects.models import LabelSchema, Project

from .conftest import arguments_of, spans_of

# Emoji and a flag before the spans (UTF-16 ≠ code points), a combining mark, tatweel,
# Arabic diacritics, digits and CRLF line ends in the input.
TRICKY = (
    "🇲🇦 😀 عاجل: التقى حموشي بـ Cafe\u0301 ڤـــو في باريس يوم 14 دجنبر\r\n"
    "وقال مُحَمَّد إن الاجتماع كان مثمرا 👍 في الرباط\r\n"
)


def _find(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def _span(layer, text, needle, label, by, occurrence=0):
    start, end = _find(text, needle, occurrence)
    return annotate.add_span(layer=layer, start=start, end=end, label=label, by=by, text=needle)


@pytest.fixture
def annotated(project, seed_document, annotator, reviewer):
    """The seed article with nested spans, events with arguments and comments in an
    annotator layer, a gold layer and a pre-annotation layer; and a tricky document."""
    text = seed_document.text
    layer = annotate.get_or_create_layer(document=seed_document, user=annotator)
    occ = _span(layer, text, "المدير العام للأمن الوطني", "OCC", annotator)
    org = _span(layer, text, "لأمن الوطني", "ORG", annotator)  # nested in the OCC
    hammouchi = _span(layer, text, "عبد اللطيف حموشي", "PERS", annotator)
    _span(layer, text, "حموشي", "PERS", annotator)
    veaux = _span(layer, text, "فريديريك ڤـــو", "PERS", annotator)
    _span(layer, text, "Frédéric Veaux", "PERS", annotator)
    paris = _span(layer, text, "باريس", "GPE", annotator)
    date = _span(layer, text, "14 و15 دجنبر", "DATE", annotator)
    meet = _span(layer, text, "لقاء", "CONTACT_MEET", annotator, occurrence=1)
    trip = _span(layer, text, "رحلة", "MOVEMENT_TRANSPORT", annotator)
    for role, span in (("PARTICIPANT", hammouchi), ("PARTICIPANT", veaux), ("TIME", date)):
        annotate.add_argument(layer=layer, event=meet.event, role=role, span=span, by=annotator)
    annotate.add_argument(
        layer=layer, event=trip.event, role="ARTIFACT", span=hammouchi, by=annotator
    )
    annotate.add_argument(
        layer=layer, event=trip.event, role="DESTINATION", span=paris, by=annotator
    )
    trip.event.attributes = {"realis": "planned", "note": "زيارة مرتقبة"}
    trip.event.save()
    annotate.add_comment(layer=layer, text="الحدود صحيحة؟", by=reviewer, span=org)
    annotate.add_comment(layer=layer, text="OCC contains ORG", by=annotator, span=occ)
    annotate.add_comment(layer=layer, text="تعليق عام", by=reviewer)
    annotate.set_layer_status(layer=layer, status="done", by=annotator)
    gold = annotate.get_or_create_named_layer(document=seed_document, name="gold")
    _span(gold, text, "عبد اللطيف حموشي", "PERS", reviewer)
    annotate.set_layer_status(layer=gold, status="reviewed", by=reviewer)
    pre = annotate.get_or_create_named_layer(document=seed_document, name="model-v1")
    _span(pre, text, "المغرب", "GPE", None)

    tricky = create_document(project=project, text=TRICKY, metadata={"source": "test"})
    tlayer = annotate.get_or_create_layer(document=tricky, user=annotator)
    ttext = tricky.text
    _span(tlayer, ttext, "حموشي", "PERS", annotator)
    _span(tlayer, ttext, "Cafe\u0301 ڤـــو", "PERS", annotator)
    _span(tlayer, ttext, "مُحَمَّد", "PERS", annotator)
    _span(tlayer, ttext, "الرباط", "GPE", annotator)
    tmeet = _span(tlayer, ttext, "التقى", "CONTACT_MEET", annotator)
    tparis = _span(tlayer, ttext, "باريس", "GPE", annotator)
    annotate.add_argument(layer=tlayer, event=tmeet.event, role="PLACE", span=tparis, by=annotator)
    tgold = annotate.get_or_create_named_layer(document=tricky, name="gold")
    _span(tgold, ttext, "باريس", "GPE", reviewer)
    _span(tgold, ttext, "14 دجنبر", "DATE", reviewer)
    return seed_document, tricky


def export(tmp_path, name, fmt, layer="all", slug="news"):
    out = tmp_path / name
    call_command(
        "export_annotations", "--project", slug, "--format", fmt, "--layer", layer, "-o", str(out)
    )
    return out


def empty_the_database() -> None:
    """Everything the export came from goes: documents, layers, users, project, schema."""
    Change.objects.all().delete()
    Comment.objects.all().delete()
    Span.objects.all().delete()  # events and arguments go with their spans
    Document.objects.all().delete()
    Project.objects.all().delete()
    LabelSchema.objects.all().delete()
    User.objects.all().delete()


@pytest.mark.django_db
def test_newsreview_jsonl_export_import_export_is_byte_identical(annotated, tmp_path):
    first = export(tmp_path, "first.jsonl", "jsonl")
    records = [json.loads(line) for line in first.read_text("utf-8").splitlines()]
    assert len(records) == 5  # seed: annotator, gold, pre; tricky: annotator, gold
    assert any(r["comments"] for r in records) and any(r["events"] for r in records)

    empty_the_database()
    assert not Document.objects.exists() and not User.objects.exists()
    call_command("import_documents", str(first), "--project", "news", "--create-project")

    second = export(tmp_path, "second.jsonl", "jsonl")
    assert second.read_bytes() == first.read_bytes()
    # The people named in the file exist again, but cannot log in.
    restored = User.objects.get(username="annotator1")
    assert not restored.is_active and not restored.has_usable_password()
    assert set(User.objects.values_list("username", flat=True)) == {"annotator1", "reviewer"}


@pytest.mark.django_db
def test_newsreview_jsonl_import_records_one_import_change_per_layer(annotated, tmp_path):
    first = export(tmp_path, "first.jsonl", "jsonl")
    empty_the_database()
    call_command(
        "import_documents",
        str(first),
        "--project",
        "news",
        "--create-project",
        "--format",
        "newsreview",
    )
    changes = Change.objects.filter(action="import")
    assert changes.count() == AnnotationLayer.objects.count() == 5
    seed_layer = AnnotationLayer.objects.get(
        owner__username="annotator1", document__external_id="seed"
    )
    assert changes.get(layer=seed_layer).after == {
        "format": "newsreview",
        "spans": 10,
        "events": 2,
        "arguments": 5,
        "comments": 3,
    }


def _reimport_and_compare(annotated, tmp_path, fmt, name):
    """Export annotator1's layers, delete the documents, import the file back into
    annotator1's layers: same spans (offsets, labels, texts) and arguments."""
    seed, tricky = annotated

    def content(document):
        mine = {"owner__username": "annotator1"}
        return spans_of(document, **mine), arguments_of(document, **mine)

    before = [content(seed), content(tricky)]
    out = export(tmp_path, name, fmt, layer="annotator1")
    Document.objects.all().delete()
    call_command(
        "import_documents",
        str(out),
        "--project",
        "news",
        "--format",
        fmt,
        "--annotator",
        "annotator1",
    )
    assert AnnotationLayer.objects.filter(owner__username="annotator1").count() == 2
    assert [content(d) for d in Document.objects.order_by("id")] == before


@pytest.mark.django_db
def test_doccano_export_then_import_gives_the_same_spans_and_arguments(annotated, tmp_path):
    _reimport_and_compare(annotated, tmp_path, "doccano", "d.jsonl")


@pytest.mark.django_db
def test_labelstudio_export_then_import_gives_the_same_spans_and_arguments(annotated, tmp_path):
    _reimport_and_compare(annotated, tmp_path, "labelstudio", "ls.json")


@pytest.mark.django_db
def test_brat_export_then_import_gives_the_same_spans_and_arguments(annotated, tmp_path):
    _reimport_and_compare(annotated, tmp_path, "brat", "brat.zip")


@pytest.mark.django_db
def test_conll_export_then_import_gives_the_same_outermost_entities(annotated, tmp_path):
    def outermost(document):
        # CoNLL is flat and rebuilt with single spaces: compare labels and span texts of
        # the entity spans, not offsets (FORMATS.md §4).
        return [
            (label, text.replace(" ", "")) for _s, _e, label, text in sorted(spans_of(document))
        ]

    assert "conll" in registry.formats()
    seed, tricky = annotated
    out = export(tmp_path, "ner.conll", "conll", layer="annotator1")
    lines = out.read_text("utf-8")
    Document.objects.all().delete()
    call_command("import_documents", str(out), "--project", "news", "--format", "conll")
    imported = list(Document.objects.order_by("id"))
    assert len(imported) == 2
    assert lines.startswith("-DOCSTART- -X- O O")
    first = outermost(imported[0])
    assert ("OCC", "المديرالعامللأمنالوطني") in first
    assert ("PERS", "عبداللطيفحموشي") in first and ("GPE", "باريس") in first


@pytest.mark.django_db
def test_conll_nested_export_with_triggers_imports_every_column(annotated, tmp_path):
    seed, _tricky = annotated
    layer = seed.layers.get(owner__username="annotator1")
    expected = sorted(
        (s.label_key, s.text.replace(" ", ""))
        for s in layer.spans.select_related("entity_type", "event_type")
    )
    out = tmp_path / "nested.conll"
    call_command(
        "export_annotations", "--project", "news", "--format", "conll", "--layer", "annotator1",
        "--nested", "--with-triggers", "-o", str(out),
    )  # fmt: skip
    Document.objects.all().delete()
    call_command("import_documents", str(out), "--project", "news", "--format", "conll")
    document = Document.objects.order_by("id").first()
    got = sorted((label, text.replace(" ", "")) for _s, _e, label, text in spans_of(document))
    assert got == expected


@pytest.mark.django_db
def test_conll_2003_file_with_pos_and_chunk_columns_reads_the_last_column(project, tmp_path):
    path = tmp_path / "c2003.conll"
    path.write_text(
        "-DOCSTART- -X- O O\n\nحموشي NNP B-NP B-PERS\nفي IN B-PP O\nباريس NNP B-NP B-GPE\n",
        encoding="utf-8",
    )
    call_command("import_documents", str(path), "--project", "news", "--format", "conll")
    (document,) = Document.objects.all()
    assert sorted((label, text) for _s, _e, label, text in spans_of(document)) == [
        ("GPE", "باريس"),
        ("PERS", "حموشي"),
    ]


@pytest.mark.django_db
def test_conll_word_docstart_inside_a_text_stays_a_token_on_the_way_back(
    project, annotator, tmp_path
):
    text = "قال -DOCSTART- هنا في باريس"
    document = create_document(project=project, text=text, title="t")
    user = annotator
    layer = annotate.get_or_create_layer(document=document, user=user)
    start = text.index("باريس")
    annotate.add_span(layer=layer, start=start, end=start + 5, label="GPE", by=user)
    out = export(tmp_path, "doc.conll", "conll", layer="annotator1")
    assert "-DOCSTART-\tO\n" in out.read_text("utf-8")
    Document.objects.all().delete()
    call_command("import_documents", str(out), "--project", "news", "--format", "conll")
    (imported,) = Document.objects.all()
    assert imported.text == text
    assert [(label, t) for _s, _e, label, t in spans_of(imported)] == [("GPE", "باريس")]


@pytest.mark.django_db
def test_jsonl_export_restores_into_an_empty_database_with_its_own_schema(
    project, annotator, tmp_path
):
    from newsreview.projects.models import EntityType

    schema = project.schema
    schema.version = 2
    schema.save()
    EntityType.objects.create(
        schema=schema, key="PRODUCT", name_en="Product", name_ar="منتج", colour="#E9ECEF",
        shortcut="z", order=99,
    )  # fmt: skip
    text = "أعلنت الشركة عن هاتف Galaxy الجديد في دبي"
    document = create_document(project=project, text=text, title="t", external_id="p1")
    layer = annotate.get_or_create_layer(document=document, user=annotator)
    start = text.index("Galaxy")
    annotate.add_span(layer=layer, start=start, end=start + 6, label="PRODUCT", by=annotator)
    first = export(tmp_path, "first.jsonl", "jsonl")
    assert (tmp_path / "schema.json").is_file()  # written beside the data

    empty_the_database()
    call_command("import_documents", str(first), "--project", "news", "--create-project")
    restored = Project.objects.get(slug="news").schema
    assert restored.version == 2
    assert restored.entity_types.get(key="PRODUCT").shortcut == "z"
    assert export(tmp_path, "second.jsonl", "jsonl").read_bytes() == first.read_bytes()


@pytest.mark.django_db
def test_a_broken_schema_file_creates_nothing(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"title": "t", "text": "نص"}, ensure_ascii=False) + "\n", "utf-8")
    schema = {"name": "s", "version": 1, "entities": [{"key": "bad key", "colour": "red"}]}
    (tmp_path / "schema.json").write_text(json.dumps(schema), "utf-8")
    with pytest.raises(CommandError, match="schema.json"):
        call_command("import_documents", str(data), "--project", "x", "--create-project")
    assert not Project.objects.exists() and not LabelSchema.objects.exists()


@pytest.mark.django_db
def test_schema_option_for_an_existing_project_is_refused(project, tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"title": "t", "text": "نص"}, ensure_ascii=False) + "\n", "utf-8")
    schema = tmp_path / "other-schema.json"
    schema.write_text(json.dumps({"name": "other", "entities": []}), "utf-8")
    with pytest.raises(CommandError, match="exists and keeps its schema"):
        call_command("import_documents", str(data), "--project", "news", "--schema", str(schema))
    assert not Document.objects.exists() and not LabelSchema.objects.filter(name="other")


@pytest.mark.django_db
def test_a_schema_file_without_a_version_matches_the_same_schema_at_version_one(tmp_path):
    from newsreview.projects.services import install_schema_document

    document = {"name": "mini", "entities": [
        {"key": "PERS", "name_ar": "شخص", "name_en": "Person", "shortcut": "p",
         "colour": "#F4A6A6"}]}  # fmt: skip
    first = install_schema_document(document)
    assert install_schema_document(document) == first  # reused, not refused
    assert first.version == 1
