"""`import_documents`: exit codes, messages that name file/line/field, and all or nothing."""

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from newsreview.annotations.models import AnnotationLayer
from newsreview.documents.models import Document
from newsreview.projects.models import Project

from .conftest import HEADLINE, row_counts

GOOD = {"text": HEADLINE, "label": [[0, 5, "PERS"], [65, 70, "GPE"]]}


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_documents", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> str:
    """Run the command expecting a refusal; its message."""
    with pytest.raises(CommandError) as info:
        run(*args)
    return str(info.value)


@pytest.mark.django_db
def test_command_imports_and_reports_counts_and_progress(project, write):
    out, err = run(write("ok.jsonl", [GOOD, GOOD]), "--project", "news", "--format", "doccano")
    assert "Imported 2 documents (doccano)" in out and "4 spans" in out
    assert "writing: 2/2 documents" in err
    assert Document.objects.count() == 2


@pytest.mark.django_db
def test_one_malformed_json_line_saves_nothing_and_names_the_line(project, write):
    path = write("bad.jsonl", "")
    path.write_text(
        json.dumps(GOOD, ensure_ascii=False)
        + '\n{"text": "x", "label": [\n'
        + json.dumps(GOOD, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    before = row_counts()
    message = refused(path, "--project", "news", "--format", "doccano")
    assert "Nothing was imported: 1 error(s)." in message
    assert "bad.jsonl, line 2: not valid JSON" in message
    assert row_counts() == before


@pytest.mark.django_db
def test_unknown_label_is_refused_naming_line_and_field(project, write):
    record = {"text": HEADLINE, "label": [[0, 5, "PERS"], [65, 70, "CITY"]]}
    before = row_counts()
    message = refused(write("x.jsonl", [GOOD, record]), "--project", "news", "--format", "doccano")
    assert (
        "x.jsonl, line 2, label[1]: There is no label “CITY” in this project's schema." in message
    )
    assert row_counts() == before


@pytest.mark.django_db
def test_offsets_past_the_end_are_refused(project, write):
    record = {
        "text": "حموشي",
        "entities": [{"id": 1, "label": "PERS", "start_offset": 0, "end_offset": 9}],
    }
    before = row_counts()
    message = refused(write("x.jsonl", [record]), "--project", "news", "--format", "doccano")
    assert "x.jsonl, line 1, entities[0]" in message
    assert "lies outside the text (0 to 5)" in message
    assert row_counts() == before


@pytest.mark.django_db
def test_span_text_that_differs_from_the_document_is_refused(project, write):
    tasks = [
        {
            "data": {"text": HEADLINE},
            "annotations": [
                {
                    "result": [
                        {
                            "id": "a",
                            "type": "labels",
                            "value": {"start": 0, "end": 5, "text": "باريس", "labels": ["PERS"]},
                        }
                    ]
                }
            ],
        }
    ]
    before = row_counts()
    message = refused(write("ls.json", json.dumps(tasks)), "--project", "news")
    assert (
        "ls.json, task 1, annotations[0].result[0].value: the span text “باريس” differs "
        "from the document's “حموشي” at [0, 5)" in message
    )
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Hammouchi à Paris\n".encode("latin-1"), "not valid UTF-8 (byte 0xe0"),
        ("حموشي في باريس\n".encode("utf-16"), "UTF-16"),
        ("حموشي في باريس\n".encode("utf-16-le"), "UTF-16"),
    ],
    ids=["latin-1", "utf-16-bom", "utf-16-no-bom"],
)
def test_file_not_in_utf8_is_refused_with_the_reason(project, write, content, expected):
    before = row_counts()
    message = refused(write("article.txt", content), "--project", "news")
    assert "article.txt" in message and expected in message
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["empty.txt", "empty.jsonl"])
def test_empty_file_is_refused(project, write, name):
    before = row_counts()
    message = refused(write(name, "\n  \n"), "--project", "news")
    assert f"{name}: the file is empty" in message
    assert row_counts() == before


@pytest.mark.django_db
def test_zip_entry_with_dot_dot_path_refuses_the_archive(project, tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ok.txt", HEADLINE)
        archive.writestr("ok.ann", "T1\tPERS 0 5\tحموشي\n")
        archive.writestr("../../etc/evil.txt", "x")
    before = row_counts()
    message = refused(path, "--project", "news", "--format", "brat")
    assert "“../../etc/evil.txt” points outside the archive" in message
    assert row_counts() == before
    assert not (tmp_path.parent.parent / "etc" / "evil.txt").exists()


@pytest.mark.django_db
def test_zip_entry_that_is_a_symlink_refuses_the_archive(project, tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", HEADLINE)
        link = zipfile.ZipInfo("a.ann")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    message = refused(path, "--project", "news", "--format", "brat")
    assert "“a.ann” is a symbolic link" in message
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_duplicate_external_id_in_the_batch_is_refused(project, write):
    rows = [{"id": "a1", "text": "نص"}, {"id": "a1", "text": "نص آخر"}]
    message = refused(write("d.jsonl", rows), "--project", "news")
    assert "the document id “a1” appears twice in the import" in message
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_external_id_already_in_the_project_is_refused(project, seed_document, write):
    before = row_counts()
    message = refused(
        write("d.jsonl", [{"id": "seed", "text": "نص"}, {"text": "آخر"}]), "--project", "news"
    )
    assert "a document with the id “seed” already exists in this project" in message
    assert row_counts() == before


@pytest.mark.django_db
def test_more_than_twenty_errors_lists_twenty_and_counts_the_rest(project, write):
    rows = [{"text": HEADLINE, "label": [[0, 5, "NOPE"]]} for _ in range(25)]
    message = refused(write("many.jsonl", rows), "--project", "news", "--format", "doccano")
    assert "25 error(s)" in message
    assert message.count("There is no label “NOPE”") == 20
    assert "… and 5 more errors." in message


@pytest.mark.django_db
def test_missing_project_is_refused_unless_create_project(db, write):
    path = write("a.txt", "نص")
    assert "There is no project “new”" in refused(path, "--project", "new")
    run(path, "--project", "new", "--create-project")
    project = Project.objects.get(slug="new")
    assert project.schema.entity_types.filter(key="PERS").exists()
    assert Document.objects.get().project == project


@pytest.mark.django_db
def test_create_project_is_rolled_back_when_the_import_fails(db, write):
    path = write("bad.jsonl", "{not json\n")
    refused(path, "--project", "new", "--create-project")
    assert not Project.objects.filter(slug="new").exists()


@pytest.mark.django_db
def test_annotator_option_needs_an_existing_user(project, write):
    message = refused(
        write("a.jsonl", [GOOD]), "--project", "news", "--format", "doccano", "--annotator", "ghost"
    )
    assert "there is no user “ghost”" in message
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_layer_option_names_the_preannotation_layer(project, write):
    run(write("a.jsonl", [GOOD]), "--project", "news", "--format", "doccano", "--layer", "camel")
    layer = AnnotationLayer.objects.get()
    assert (layer.kind, layer.name, layer.owner_id) == ("pre", "camel", None)


@pytest.mark.django_db
def test_layer_gold_puts_annotations_in_the_gold_layer(project, write):
    run(write("a.jsonl", [GOOD]), "--project", "news", "--format", "doccano", "--layer", "gold")
    assert AnnotationLayer.objects.get().kind == "gold"


@pytest.mark.django_db
def test_format_that_cannot_be_guessed_asks_for_format(project, write):
    message = refused(write("data.bin", "hello world\n"), "--project", "news")
    assert "cannot tell the format" in message


@pytest.mark.django_db
def test_brat_event_whose_trigger_has_another_label_is_refused(project, write, tmp_path):
    write("b/a.txt", HEADLINE)
    write("b/a.ann", "T1\tPERS 0 5\tحموشي\nE1\tCONTACT_MEET:T1\n")
    message = refused(tmp_path / "b", "--project", "news")
    assert "b/a.ann, .ann line 2, E1: trigger T1 is labelled PERS, not CONTACT_MEET" in message


@pytest.mark.django_db
def test_argument_with_a_role_the_event_lacks_is_refused(project, write):
    record = {
        "text": HEADLINE,
        "entities": [
            {"id": 1, "label": "PERS", "start_offset": 0, "end_offset": 5},
            {"id": 2, "label": "MOVEMENT_TRANSPORT", "start_offset": 43, "end_offset": 47},
        ],
        "relations": [{"id": 1, "from_id": 2, "to_id": 1, "type": "VICTIM"}],
    }
    message = refused(write("r.jsonl", [record]), "--project", "news", "--format", "doccano")
    assert "line 1, relations[0]: The event “MOVEMENT_TRANSPORT” has no role “VICTIM”." in message


@pytest.mark.django_db
def test_argument_of_a_type_the_role_does_not_allow_is_refused(project, write):
    record = {
        "text": HEADLINE,
        "entities": [
            {"id": 1, "label": "GPE", "start_offset": 65, "end_offset": 70},
            {"id": 2, "label": "MOVEMENT_TRANSPORT", "start_offset": 43, "end_offset": 47},
        ],
        "relations": [{"id": 1, "from_id": 2, "to_id": 1, "type": "ARTIFACT"}],
    }
    message = refused(write("r.jsonl", [record]), "--project", "news", "--format", "doccano")
    assert "The role “ARTIFACT” accepts" in message and "not “GPE”" in message


@pytest.mark.django_db
def test_duplicate_span_in_one_layer_is_refused(project, write):
    record = {"text": HEADLINE, "label": [[0, 5, "PERS"], [0, 5, "PERS"]]}
    message = refused(write("d.jsonl", [record]), "--project", "news", "--format", "doccano")
    assert "label[1]: This text already has the label “PERS”." in message


@pytest.mark.django_db
def test_whitespace_only_span_is_refused(project, write):
    record = {"text": HEADLINE, "label": [[5, 6, "PERS"]]}
    message = refused(write("d.jsonl", [record]), "--project", "news", "--format", "doccano")
    assert "A span cannot cover only white space." in message


@pytest.mark.django_db
def test_newsreview_record_with_bad_format_tag_and_field_types_is_refused(project, write):
    rows = [
        {
            "format": "newsreview/1",
            "document": {"id": "a", "text": "نص"},
            "layer": "gold",
            "entities": [{"id": "e1", "label": "PERS", "start": "0", "end": 2, "text": "نص"}],
        },
        {"format": "newsreview/1", "document": {"id": "b"}, "layer": "gold"},
    ]
    message = refused(write("n.jsonl", rows), "--project", "news", "--format", "newsreview")
    assert "n.jsonl, line 1, entities[0]: Offsets must be whole numbers." in message
    assert "n.jsonl, line 2, document.text: missing or not a string" in message
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_newsreview_record_whose_span_text_differs_is_refused(project, write):
    rows = [
        {
            "format": "newsreview/1",
            "document": {"id": "a", "text": HEADLINE},
            "layer": "gold",
            "annotator": None,
            "status": "reviewed",
            "entities": [{"id": "e1", "label": "PERS", "start": 0, "end": 5, "text": "حموش"}],
        }
    ]
    message = refused(write("n.jsonl", rows), "--project", "news")
    assert "n.jsonl, line 1, entities[0]: the span text “حموش” differs" in message


@pytest.mark.django_db
def test_importing_the_same_text_twice_warns_about_the_copy(project, tmp_path, capsys):
    path = tmp_path / "article.txt"
    path.write_text("حموشي في باريس\nنص المقال", encoding="utf-8")
    call_command("import_documents", str(path), "--project", "news")
    capsys.readouterr()
    call_command("import_documents", str(path), "--project", "news")
    captured = capsys.readouterr()
    assert "a document with the same text is already in this project" in (
        captured.out + captured.err
    )
