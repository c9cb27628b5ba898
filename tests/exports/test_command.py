"""export_annotations and export_schema, as a user runs them."""

import io
import json
import os
import re
import threading
import xml.etree.ElementTree as ET  # noqa: S405 (parses our own output)
import zipfile

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from newsreview.annotations.models import Span


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("export_annotations", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.mark.django_db
def test_export_to_stdout_equals_export_to_file(seed_gold, tricky, tmp_path):
    printed, _ = run("--project", "news", "--format", "jsonl", "--layer", "all")
    target = tmp_path / "out.jsonl"
    _, messages = run("--project", "news", "--format", "jsonl", "--layer", "all",
                      "-o", str(target))  # fmt: skip
    assert target.read_text("utf-8") == printed
    assert f"wrote {target}" in messages
    assert json.loads((tmp_path / "schema.json").read_text("utf-8"))["version"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "schema.json"]


@pytest.mark.django_db
def test_layer_option_selects_gold_one_annotator_or_every_layer(seed_gold, tricky):
    def layers(*extra):
        out, _ = run("--project", "news", "--format", "jsonl", *extra)
        return [(json.loads(x)["document"]["id"], json.loads(x)["layer"]) for x in
                out.splitlines()]  # fmt: skip

    assert layers() == [("seed", "gold"), ("tricky", "gold")]
    assert layers("--layer", "gold") == layers()
    assert layers("--layer", "annotator1") == [("seed", "annotator1")]
    assert layers("--layer", "all") == [("seed", "annotator1"), ("seed", "gold"),
                                        ("tricky", "gold")]  # fmt: skip


@pytest.mark.django_db
def test_status_option_filters_layers_and_accepts_commas(seed_gold, tricky):
    out, _ = run("--project", "news", "--format", "csv", "--layer", "all", "--status", "done")
    assert {line.split(",")[1] for line in out.splitlines()[1:]} == {"annotator1"}
    out, _ = run("--project", "news", "--format", "jsonl", "--layer", "all",
                 "--status", "done,reviewed")  # fmt: skip
    assert len(out.splitlines()) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "nope", "--format", "jsonl"], "no project “nope” (projects: news)"),
        (["--project", "news", "--format", "xlsx"], "unknown format “xlsx”"),
        (["--project", "news", "--format", "jsonl", "--layer", "nobody"], "no layer “nobody”"),
        (["--project", "news", "--format", "jsonl", "--status", "finished"], "unknown status"),
    ],
)
def test_bad_arguments_give_a_clear_error(seed_gold, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args)


@pytest.mark.django_db
def test_bad_arguments_exit_non_zero_with_the_message_on_stderr(seed_gold, capsys):
    utility = ManagementUtility(
        ["manage.py", "export_annotations", "--project", "news", "--format", "xlsx"]
    )
    with pytest.raises(SystemExit) as exit_info:
        utility.execute()
    assert exit_info.value.code == 1
    assert "unknown format “xlsx”" in capsys.readouterr().err


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["jsonl", "brat", "csv"])
def test_span_text_mismatch_stops_the_export_and_leaves_no_file(seed_gold, tricky, tmp_path,
                                                                fmt):  # fmt: skip
    span = Span.objects.get(layer__document=tricky, text="باريس")
    Span.objects.filter(pk=span.pk).update(text="لندن")
    target = tmp_path / "out.bin"
    with pytest.raises(CommandError) as error:
        run("--project", "news", "--format", fmt, "-o", str(target))
    assert f"document tricky, layer gold, span {span.pk}" in str(error.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_span_text_mismatch_prints_nothing_on_stdout(seed_gold, tricky):
    Span.objects.filter(layer__document=tricky, text="باريس").update(text="لندن")
    stdout = io.StringIO()
    with pytest.raises(CommandError):
        call_command("export_annotations", "--project", "news", "--format", "jsonl",
                     stdout=stdout, stderr=io.StringIO())  # fmt: skip
    assert stdout.getvalue() == ""


@pytest.mark.django_db
def test_brat_to_a_zip_file_or_into_a_folder(seed_gold, tmp_path):
    archive = tmp_path / "brat.zip"
    run("--project", "news", "--format", "brat", "-o", str(archive))
    with zipfile.ZipFile(archive) as z:
        names = sorted(z.namelist())
    assert names == ["annotation.conf", "seed.ann", "seed.txt", "visual.conf"]
    folder = tmp_path / "collection"
    run("--project", "news", "--format", "brat", "-o", f"{folder}/")
    assert sorted(p.name for p in folder.iterdir()) == names
    assert (folder / "seed.txt").read_bytes() == seed_gold.text.encode("utf-8")


@pytest.mark.django_db
def test_labelstudio_config_is_written_next_to_the_output_or_where_asked(seed_gold, tmp_path):
    run("--project", "news", "--format", "labelstudio", "-o", str(tmp_path / "tasks.json"))
    assert ET.parse(tmp_path / "labelstudio_config.xml").getroot().tag == "View"  # noqa: S314
    elsewhere = tmp_path / "conf" / "ls.xml"
    elsewhere.parent.mkdir()
    out, messages = run("--project", "news", "--format", "labelstudio", "--as-predictions",
                        "--config-out", str(elsewhere))  # fmt: skip
    assert json.loads(out)[0]["predictions"] and ET.parse(elsewhere).getroot().tag == "View"  # noqa: S314


@pytest.mark.django_db
def test_format_options_reach_the_format(headline):
    out, _ = run("--project", "news", "--format", "doccano", "--doccano-mode", "spans")
    assert json.loads(out)["label"][0] == [0, 5, "PERS"]
    out, _ = run("--project", "news", "--format", "csv", "--excel")
    assert out.startswith("\ufeffdocument,")


@pytest.mark.django_db
def test_progress_and_unrepresentable_spans_are_reported_on_stderr(seed_gold, tricky, tmp_path):
    out, messages = run("--project", "news", "--format", "brat", "--progress-every", "1",
                        "-o", str(tmp_path / "brat.zip"))  # fmt: skip
    assert "exported 1/2 records (document seed)" in messages
    assert "exported 2/2 records (document tricky)" in messages
    assert "1 problem(s): not represented in brat:" in messages
    assert "document seed, layer gold: a comment not attached to a span" in messages


@pytest.mark.django_db
def test_binary_format_to_a_text_only_stdout_asks_for_a_path(seed_gold):
    with pytest.raises(CommandError, match="brat is a binary format: use -o PATH"):
        run("--project", "news", "--format", "brat")


@pytest.mark.django_db
def test_missing_output_folder_is_a_clear_error(seed_gold, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run("--project", "news", "--format", "jsonl", "-o", str(tmp_path / "no" / "x.jsonl"))


@pytest.mark.django_db
def test_export_schema_writes_the_schema_json(project, tmp_path):
    stdout = io.StringIO()
    call_command("export_schema", "--project", "news", stdout=stdout)
    schema = json.loads(stdout.getvalue())
    assert schema["entities"][0] == {"key": "PERS", "name_ar": "شخص", "name_en": "Person",
                                     "shortcut": "p", "colour": "#F4A6A6"}  # fmt: skip
    meet = schema["events"][0]
    assert meet["key"] == "CONTACT_MEET" and meet["roles"][0] == {
        "key": "PARTICIPANT", "name_ar": "مشارك", "name_en": "Participant",
        "allowed": ["PERS", "ORG", "GPE", "NORP"], "multiple": True, "required": False,
    }  # fmt: skip
    call_command("export_schema", "--project", "news", "-o", str(tmp_path / "s.json"))
    assert json.loads((tmp_path / "s.json").read_text("utf-8")) == schema


@pytest.mark.django_db
def test_output_to_a_pipe_is_written_into_not_replaced(seed_gold, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    run("--project", "news", "--format", "jsonl", "-o", str(fifo))
    reader.join(timeout=10)
    assert json.loads(received[0])["document"]["id"] == "seed"
    assert fifo.is_fifo()


@pytest.mark.django_db
def test_every_unrepresentable_item_is_listed_on_stderr_not_a_sample(project, annotator):
    from newsreview.annotations import services as annotate
    from newsreview.documents.services import create_document

    for number in range(25):
        document = create_document(project=project, text=f"نص رقم {number}", title="t")
        layer = annotate.get_or_create_layer(document=document, user=annotator)
        annotate.add_comment(layer=layer, text="تعليق عام", by=annotator)
    _, messages = run("--project", "news", "--format", "brat", "--layer", "annotator1",
                      "-o", os.devnull)  # fmt: skip
    assert "25 problem(s): not represented in brat:" in messages
    assert messages.count("a comment not attached to a span") == 25


@pytest.mark.django_db
def test_doccano_default_export_of_an_emoji_document_is_ascii_on_stdout_and_in_a_file(
    tricky, tmp_path
):
    printed, _ = run("--project", "news", "--format", "doccano")
    target = tmp_path / "d.jsonl"
    run("--project", "news", "--format", "doccano", "-o", str(target))
    data = target.read_bytes()
    assert data.isascii() and printed.isascii()
    assert data.decode("ascii") == printed
    assert json.loads(printed)["text"] == tricky.text
