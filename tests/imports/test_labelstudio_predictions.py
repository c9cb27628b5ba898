"""Label Studio files as Label Studio writes them: its Export dialog gives a
never-submitted task's predictions as ids only ("predictions": [1]); its export-snapshot
API with full predictions gives whole prediction objects. Nothing is lost silently: what
cannot be read is a warning naming the task, in the command's output and on the preview."""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from newsreview.documents.models import Document
from newsreview.imports.services import ImportOptions, import_path, preview
from newsreview.imports.sources import read_path

from .conftest import HEADLINE, arguments_of, row_counts, spans_of

# Fourteen spans of the seed article (nested OCC ⊃ ORG, Latin names, tatweel, digits),
# found in the text, and two arguments of the trip in the headline.
SEED_SPANS = [
    ("حموشي", "PERS", 0),
    ("المغرب", "GPE", 0),
    ("فرنسا", "GPE", 0),
    ("رحلة", "MOVEMENT_TRANSPORT", 0),
    ("باريس", "GPE", 0),
    ("عبد اللطيف حموشي", "PERS", 0),
    ("المدير العام للأمن الوطني", "OCC", 0),
    ("لأمن الوطني", "ORG", 0),
    ("فريديريك ڤـــو", "PERS", 0),
    ("Frédéric Veaux", "PERS", 0),
    ("نيكولا لورنر", "PERS", 0),
    ("Nicolas Lerner", "PERS", 0),
    ("الجمهورية الفرنسية", "GPE", 0),
    ("14 و15 دجنبر", "DATE", 0),
]
TRIP_ARGUMENTS = [("ARTIFACT", 0), ("DESTINATION", 4)]  # role, index in SEED_SPANS


def find(text, needle, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def seed_result(text):
    """Label Studio `result` items for SEED_SPANS and the trip's arguments."""
    items = []
    for number, (needle, label, occurrence) in enumerate(SEED_SPANS):
        start, end = find(text, needle, occurrence)
        items.append(
            {
                "id": f"r{number}",
                "from_name": "event" if label == "MOVEMENT_TRANSPORT" else "entity",
                "to_name": "text",
                "type": "labels",
                "origin": "prediction",
                "value": {"start": start, "end": end, "text": needle, "labels": [label]},
            }
        )
    for role, index in TRIP_ARGUMENTS:
        items.append({"from_id": "r3", "to_id": f"r{index}", "type": "relation",
                      "direction": "right", "labels": [role]})  # fmt: skip
    return items


def snapshot_task(text, predictions):
    """A task as Label Studio 1.23 exports it, never submitted (no annotation)."""
    return {
        "id": 7,
        "annotations": [],
        "drafts": [],
        "predictions": predictions,
        "data": {"text": text},
        "meta": {},
        "created_at": "2026-11-30T10:00:00.000000Z",
        "updated_at": "2026-11-30T10:00:00.000000Z",
        "inner_id": 1,
        "total_annotations": 0,
        "cancelled_annotations": 0,
        "total_predictions": len(predictions),
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": 3,
        "updated_by": None,
        "comment_authors": [],
    }


def full_prediction(text):
    """A prediction object as the export-snapshot API writes it with only_id false."""
    return {
        "id": 1,
        "result": seed_result(text),
        "model_version": "newsreview",
        "created_ago": "1 minute",
        "score": None,
        "cluster": None,
        "neighbors": None,
        "mislabeling": 0.0,
        "created_at": "2026-11-30T10:00:00.000000Z",
        "updated_at": "2026-11-30T10:00:00.000000Z",
        "model": None,
        "model_run": None,
        "task": 7,
        "project": 3,
    }


@pytest.fixture
def snapshot_file(write, seed_text):
    tasks = [snapshot_task(seed_text, [full_prediction(seed_text)])]
    return write("snapshot.json", json.dumps(tasks, ensure_ascii=False))


@pytest.fixture
def ids_file(write, seed_text):
    """The Export dialog's file: task 1 holds only a prediction id, task 2 (the headline)
    a submitted annotation."""
    annotated = {
        "id": 8,
        "data": {"text": HEADLINE},
        "annotations": [{"id": 3, "was_cancelled": False, "ground_truth": False, "result": [
            {"id": "a", "from_name": "entity", "to_name": "text", "type": "labels",
             "value": {"start": 65, "end": 70, "text": "باريس", "labels": ["GPE"]}}]}],
        "predictions": [2],
    }  # fmt: skip
    tasks = [snapshot_task(seed_text, [1]), annotated]
    return write("export.json", json.dumps(tasks, ensure_ascii=False))


def run(project, path, **options):
    return import_path(project=project, path=path, options=ImportOptions(**options))


@pytest.mark.django_db
def test_snapshot_with_full_predictions_imports_all_14_seed_spans(project, snapshot_file):
    result = run(project, snapshot_file)
    assert result.saved, result.error_report()
    assert result.format == "labelstudio"
    assert (result.warnings, result.lost_tasks) == ([], [])
    document = Document.objects.get()
    expected = sorted(
        (*find(document.text, needle, occurrence), label, needle)
        for needle, label, occurrence in SEED_SPANS
    )
    assert len(expected) == 14
    assert spans_of(document) == expected
    assert arguments_of(document) == [
        ("MOVEMENT_TRANSPORT", "ARTIFACT", "حموشي"),
        ("MOVEMENT_TRANSPORT", "DESTINATION", "باريس"),
    ]


@pytest.mark.django_db
def test_predictions_given_as_ids_warn_by_task_and_the_task_is_reported_lost(project, ids_file):
    before = row_counts()
    result = preview(project=project, files=read_path(ids_file, 10**8), options=ImportOptions())
    assert row_counts() == before  # a preview writes nothing
    assert not result.errors
    by_task = {(w.where, w.field): w.message for w in result.warnings}
    message = by_task[("task 1", "predictions[0]")]
    assert "prediction(s) given only as ids (1)" in message
    assert "export-snapshot API" in message and '"only_id": false' in message
    assert "submit the tasks" in message
    # Task 2's annotation is imported; its id-only prediction is said to be left out.
    assert "not imported (the task's annotation is)" in by_task[("task 2", "predictions[0]")]
    assert [(p.file, p.where) for p in result.lost_tasks] == [("export.json", "task 1")]
    assert result.spans == 1


@pytest.mark.django_db
def test_command_output_names_the_tasks_whose_predictions_are_ids(project, ids_file):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_documents", str(ids_file), "--project", "news", stdout=out, stderr=err)
    errors = err.getvalue()
    assert re.search(
        r"warning: export\.json, task 1, predictions\[0\]: prediction\(s\) given only as ids "
        r"\(1\), without their results: nothing of them can be imported; export the project "
        r"with Label Studio's export-snapshot API",
        errors,
    )
    assert (
        "warning: export.json, task 1: has annotations or predictions, but none can be "
        "imported: the document would arrive without annotations" in errors
    )
    assert "1 task(s) had annotations or predictions and were imported without any" in (
        out.getvalue()
    )
    assert "Imported 2 documents (labelstudio)" in out.getvalue()


@pytest.mark.django_db
def test_other_annotations_cancelled_ones_and_unread_result_types_are_warned_by_task(
    project, write
):
    region = {"id": "a", "from_name": "entity", "to_name": "text", "type": "labels",
              "value": {"start": 0, "end": 5, "text": "حموشي", "labels": ["PERS"]}}  # fmt: skip
    choice = {"id": "c", "from_name": "topic", "to_name": "text", "type": "choices",
              "value": {"choices": ["security"]}}  # fmt: skip
    tasks = [
        {"data": {"text": HEADLINE}, "annotations": [
            {"id": 1, "result": [region]}, {"id": 2, "result": [region]}]},
        {"data": {"text": HEADLINE}, "annotations": [
            {"id": 3, "was_cancelled": True, "result": [region]}]},
        {"data": {"text": HEADLINE}, "annotations": [{"id": 4, "result": [choice]}]},
        {"data": {"text": HEADLINE}, "annotations": [
            {"id": 5, "was_cancelled": True, "result": []}, {"id": 6, "result": []}]},
    ]  # fmt: skip
    result = run(project, write("t.json", json.dumps(tasks, ensure_ascii=False)))
    assert result.saved, result.error_report()
    warnings = [(w.where, w.field, w.message) for w in result.warnings]
    assert (
        "task 1",
        "annotations[1]",
        "not imported: one annotation per task is imported, the ground-truth one or else "
        "the first (annotations[0])",
    ) in warnings
    assert ("task 2", "annotations[0]", "a cancelled (skipped) annotation is not imported") in (
        warnings
    )
    assert ("task 3", "annotations[0].result[0]", "result type “choices” is not imported") in (
        warnings
    )
    # A skipped task and an empty submitted annotation lose nothing: no warning, not lost.
    assert not [w for w in warnings if w[0] == "task 4"]
    assert [p.where for p in result.lost_tasks] == ["task 2", "task 3"]


# --- the upload page ------------------------------------------------------------------


@pytest.fixture
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.mark.django_db
@pytest.mark.usefixtures("_uploads_in_tmp")
def test_upload_preview_says_which_tasks_lose_their_predictions_before_saving(
    client, project, manager, ids_file
):
    client.force_login(manager)
    response = client.post(
        reverse("imports:upload", args=[project.slug]),
        {"file": SimpleUploadedFile("export.json", ids_file.read_bytes())},
    )
    assert response.status_code == 302
    assert not Document.objects.exists()
    page = client.get(response["Location"]).text
    assert 'data-import-lost-tasks="1"' in page
    lost = page[page.index("data-import-lost-tasks") :]
    lost = lost[: lost.index("</div>")]
    assert re.findall(r"<li data-lost-task><bdi>export.json</bdi>, (task \d+)</li>", lost) == [
        "task 1"
    ]
    assert "export-snapshot API" in lost and "submit the tasks" in lost
    assert "data-import-warnings" in page
    assert "task 1, <code>predictions[0]</code>: prediction(s) given only as ids (1)" in page
    assert "data-confirm-import" in page  # the user decides, knowing
    token = re.search(r"/import/([A-Za-z0-9_-]+)/", response["Location"]).group(1)
    confirmed = client.post(reverse("imports:confirm", args=[project.slug, token]), follow=True)
    assert "1 task(s) had annotations or predictions that could not be imported" in (confirmed.text)
    assert Document.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.usefixtures("_uploads_in_tmp")
def test_upload_preview_of_the_snapshot_file_counts_14_spans_and_no_lost_task(
    client, project, manager, snapshot_file
):
    client.force_login(manager)
    response = client.post(
        reverse("imports:upload", args=[project.slug]),
        {"file": SimpleUploadedFile("snapshot.json", snapshot_file.read_bytes())},
    )
    page = client.get(response["Location"]).text
    assert 'data-count-spans="14"' in page
    assert "data-import-lost-tasks" not in page and "data-import-warnings" not in page
