"""The export page: who may use it, what it downloads, and a flat query count."""

import io
import json
import xml.etree.ElementTree as ET  # noqa: S405 (parses our own output)

import pytest
from django.core.management import call_command
from django.urls import reverse

from newsreview.annotations import services as annotate
from newsreview.annotations.models import Span
from newsreview.documents.services import create_document
from tests.factories import UserFactory

from .conftest import HEADLINE, add

PAGE = reverse("exports:export", args=["news"])
DOWNLOAD = reverse("exports:export-download", args=["news"])
SUMMARY = reverse("exports:export-summary", args=["news"])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["reviewer", "manager"])
def test_reviewers_and_managers_get_the_export_form(client, request, who, seed_gold):
    client.force_login(request.getfixturevalue(who))
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("jsonl", "doccano", "labelstudio", "brat", "csv"):
        assert f'<option value="{key}"' in html
    # Layer choice: gold, each annotator, all.
    assert '<option value="annotator1">annotator1</option>' in html
    assert '<option value="all">' in html
    assert 'name="status" value="reviewed"' in html
    assert 'name="doccano--doccano_mode"' in html and 'name="csv--excel"' in html
    assert "config_out" not in html


@pytest.mark.django_db
def test_superuser_may_export_any_project(client, seed_gold):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(PAGE).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("annotator", 403), ("outsider", 404)])
@pytest.mark.parametrize("url", [PAGE, DOWNLOAD + "?format=jsonl&layer=gold", SUMMARY,
                                 reverse("exports:schema-download", args=["news"])])  # fmt: skip
def test_annotators_and_outsiders_are_refused(client, request, seed_gold, who, status, url):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == status


@pytest.mark.django_db
def test_anonymous_user_is_sent_to_login(client, seed_gold):
    response = client.get(DOWNLOAD + "?format=jsonl&layer=gold")
    assert response.status_code == 302 and "/accounts/" in response["Location"]


@pytest.mark.django_db
def test_download_is_the_same_file_as_the_command_writes(client, reviewer, seed_gold, tricky):
    client.force_login(reviewer)
    response = client.get(DOWNLOAD, {"format": "jsonl", "layer": "all"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert 'attachment; filename="news-all.jsonl"' in response["Content-Disposition"]
    stdout = io.StringIO()
    call_command("export_annotations", "--project", "news", "--format", "jsonl", "--layer",
                 "all", stdout=stdout, stderr=io.StringIO())  # fmt: skip
    assert body(response) == stdout.getvalue().encode("utf-8")


@pytest.mark.django_db
def test_download_applies_layer_statuses_and_format_options(client, manager, seed_gold, tricky):
    client.force_login(manager)
    response = client.get(
        DOWNLOAD,
        {"format": "doccano", "layer": "all", "status": ["reviewed", "done"],
         "doccano--doccano_mode": "spans"},
    )  # fmt: skip
    lines = [json.loads(x) for x in body(response).decode().splitlines()]
    assert [(x["doc"], x["layer"]) for x in lines] == [("seed", "annotator1"), ("seed", "gold")]
    assert all("label" in x for x in lines)
    excel = client.get(DOWNLOAD, {"format": "csv", "layer": "gold", "csv--excel": "1"})
    assert body(excel).startswith(b"\xef\xbb\xbfdocument,")


@pytest.mark.django_db
def test_download_of_a_binary_format_is_a_valid_zip(client, reviewer, seed_gold):
    import zipfile

    client.force_login(reviewer)
    response = client.get(DOWNLOAD, {"format": "brat", "layer": "gold"})
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        assert "seed.ann" in archive.namelist()


@pytest.mark.django_db
def test_download_sets_the_token_cookie_the_progress_indicator_waits_for(
    client, reviewer, seed_gold
):
    client.force_login(reviewer)
    response = client.get(DOWNLOAD, {"format": "jsonl", "layer": "gold", "token": "abc123"})
    assert response.cookies["nr_export"].value == "abc123-0"  # token, then warning count
    odd = client.get(DOWNLOAD, {"format": "jsonl", "layer": "gold", "token": "<x>"})
    assert "nr_export" not in odd.cookies


@pytest.mark.django_db
def test_after_a_download_the_summary_lists_what_that_download_left_out(
    client, reviewer, seed_gold
):
    client.force_login(reviewer)
    choice = {"format": "brat", "layer": "gold"}
    response = client.get(DOWNLOAD, {**choice, "token": "tok1"})
    assert response.cookies["nr_export"].value == "tok1-1"
    summary = client.get(SUMMARY, {**choice, "token": "tok1"}).content.decode()
    assert "The download is complete, but it does not hold everything" in summary
    assert 'data-warning-count="1"' in summary
    assert "a comment not attached to a span" in summary
    # Another token (another tab's or an old download's) shows no stored warnings.
    other = client.get(SUMMARY, {**choice, "token": "tok2"}).content.decode()
    assert "data-warning-count" not in other


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"format": "xlsx", "layer": "gold"}, "xlsx is not one of the available choices"),
        ({"format": "jsonl", "layer": "nobody"}, "nobody is not one of the available choices"),
        ({"format": "jsonl", "layer": "gold", "status": "finished"}, "finished is not one"),
        ({"format": "doccano", "layer": "gold", "doccano--doccano_mode": "x"}, "invalid choice"),
    ],
)
def test_bad_choices_redisplay_the_form_with_the_reason(client, reviewer, seed_gold, params,
                                                        message):  # fmt: skip
    client.force_login(reviewer)
    response = client.get(DOWNLOAD, params)
    assert response.status_code == 422
    assert message in response.content.decode()


@pytest.mark.django_db
def test_span_text_mismatch_is_an_error_page_naming_the_span_not_half_a_file(
    client, reviewer, seed_gold
):
    span = Span.objects.filter(layer__document=seed_gold, layer__kind="gold").last()
    Span.objects.filter(pk=span.pk).update(text="خطأ")
    client.force_login(reviewer)
    response = client.get(DOWNLOAD, {"format": "jsonl", "layer": "gold"})
    assert response.status_code == 422
    assert f"document seed, layer gold, span {span.pk}" in response.content.decode()


@pytest.mark.django_db
def test_summary_counts_records_and_check_lists_unrepresentable_annotations(
    client, reviewer, seed_gold
):
    client.force_login(reviewer)
    response = client.get(SUMMARY, {"format": "brat", "layer": "all"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="export-summary"')
    assert 'data-record-count="2"' in html
    checked = client.get(SUMMARY, {"format": "brat", "layer": "gold", "check": "1"})
    html = checked.content.decode()
    assert 'data-warning-count="1"' in html
    assert "a comment not attached to a span" in html
    clean = client.get(SUMMARY, {"format": "jsonl", "layer": "gold", "check": "1"})
    assert 'data-warning-count="0"' in clean.content.decode()


@pytest.mark.django_db
def test_schema_and_labelstudio_config_downloads(client, reviewer, seed_gold):
    client.force_login(reviewer)
    schema = client.get(reverse("exports:schema-download", args=["news"]))
    assert json.loads(schema.content)["entities"][0]["key"] == "PERS"
    config = client.get(
        reverse("exports:side-file-download", args=["news", "labelstudio_config.xml"]),
        {"format": "labelstudio"},
    )
    assert ET.fromstring(config.content).tag == "View"  # noqa: S314
    missing = client.get(
        reverse("exports:side-file-download", args=["news", "passwd"]), {"format": "labelstudio"}
    )
    assert missing.status_code == 404


@pytest.mark.django_db
def test_user_text_is_escaped_on_the_page(client, reviewer, project):
    evil = "<script>alert(1)</script>"
    UserFactory(username="x<b>")
    document = create_document(project=project, text=evil + " " + HEADLINE, external_id=evil)
    gold = annotate.get_or_create_named_layer(document=document, name="gold")
    annotate.add_comment(layer=gold, text=evil, by=reviewer)  # brat warns, naming the document
    client.force_login(reviewer)
    response = client.get(SUMMARY, {"format": "brat", "layer": "gold", "check": "1"})
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html


def _documents(project, reviewer, count):
    for n in range(count):
        document = create_document(project=project, text=HEADLINE, external_id=f"d{n}")
        gold = annotate.get_or_create_named_layer(document=document, name="gold")
        pers = add(gold, "حموشي", "PERS", reviewer)
        trip = add(gold, "رحلة", "MOVEMENT_TRANSPORT", reviewer)
        annotate.add_argument(layer=gold, event=trip.event, role="ARTIFACT", span=pers,
                              by=reviewer)  # fmt: skip
        annotate.add_comment(layer=gold, text="ok", by=reviewer, span=pers)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 30])
@pytest.mark.parametrize("fmt", ["jsonl", "brat", "labelstudio"])
def test_download_query_count_does_not_grow_with_documents(
    client, reviewer, project, django_assert_max_num_queries, count, fmt
):
    _documents(project, reviewer, count)
    client.force_login(reviewer)
    with django_assert_max_num_queries(24):
        response = client.get(DOWNLOAD, {"format": fmt, "layer": "gold"})
        data = body(response)
    assert response.status_code == 200 and data


@pytest.mark.django_db
def test_token_format_options_come_from_the_format_module(client, reviewer, seed_gold):
    pytest.importorskip("newsreview.exports.formats.conll")
    client.force_login(reviewer)
    html = client.get(PAGE).content.decode()
    assert 'name="conll--nested"' in html and 'name="conll--align"' in html
    flat = body(client.get(DOWNLOAD, {"format": "conll", "layer": "gold"})).decode()
    nested = body(
        client.get(DOWNLOAD, {"format": "conll", "layer": "gold", "conll--nested": "1"})
    ).decode()
    assert flat.startswith("-DOCSTART- -X- O O\n\n")
    columns = {len(line.split("\t")) for line in flat.splitlines() if "\t" in line}
    nested_columns = {len(line.split("\t")) for line in nested.splitlines() if "\t" in line}
    assert columns == {2} and max(nested_columns) > 2


@pytest.mark.django_db
def test_doccano_download_of_an_emoji_batch_is_ascii_in_events_mode_utf8_in_spans_mode(
    client, reviewer, seed_gold, tricky
):
    client.force_login(reviewer)
    events = body(client.get(DOWNLOAD, {"format": "doccano", "layer": "all"}))
    assert events.isascii()
    texts = [json.loads(x)["text"] for x in events.decode("ascii").splitlines()]
    assert texts == [seed_gold.text, seed_gold.text, tricky.text]
    spans = body(
        client.get(
            DOWNLOAD, {"format": "doccano", "layer": "all", "doccano--doccano_mode": "spans"}
        )
    )
    assert "😀".encode() in spans
    assert [json.loads(x)["text"] for x in spans.decode("utf-8").splitlines()] == texts


DOCCANO_SETUP = (
    "Sequence Labeling",
    "Allow overlapping entity",
    "Use graphemes",
    "JSONL(Relation)",
    "utf_8",
    "--offset-unit graphemes",
    "Export Dataset",
)
LABEL_STUDIO_SETUP = (
    "labelstudio_config.xml",
    "annotations",
    "--as-predictions",
    "predictions",
    '"only_id": false',
    "/api/projects/ID/exports/",
    "submit",
)


@pytest.mark.django_db
def test_export_page_says_how_to_set_up_doccano_and_label_studio_beside_their_formats(
    client, reviewer, seed_gold
):
    client.force_login(reviewer)
    html = client.get(PAGE).text
    doccano = html[html.index('data-format-help="doccano"') :]
    doccano = doccano[: doccano.index("</section>")]
    for needed in DOCCANO_SETUP:
        assert needed in doccano, needed
    studio = html[html.index('data-format-help="labelstudio"') :]
    studio = studio[: studio.index("</section>")]
    for needed in LABEL_STUDIO_SETUP:
        assert needed in studio, needed
