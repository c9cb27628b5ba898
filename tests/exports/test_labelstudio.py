"""Label Studio JSON (FORMATS.md §3) and its labeling config."""

import json
import xml.etree.ElementTree as ET  # noqa: S405 (parses our own output)

import pytest

from newsreview.exports.formats.labelstudio import labeling_config

from .conftest import export_bytes


@pytest.mark.django_db
def test_labelstudio_task_matches_the_formats_example(headline, project):
    (task,) = json.loads(export_bytes(project, "labelstudio")[0])
    assert task["id"] == 1
    assert task["data"]["doc"] == "000_f057059c50c62636" and task["data"]["layer"] == "gold"
    (annotation,) = task["annotations"]
    assert annotation["ground_truth"] is True and annotation["was_cancelled"] is False
    result = annotation["result"]
    assert result[0] == {
        "id": "s1", "from_name": "entity", "to_name": "text", "type": "labels",
        "origin": "manual", "value": {"start": 0, "end": 5, "text": "حموشي", "labels": ["PERS"]},
    }  # fmt: skip
    assert result[4]["id"] == "s5" and result[4]["from_name"] == "event"
    assert result[4]["value"] == {"start": 43, "end": 47, "text": "رحلة",
                                  "labels": ["MOVEMENT_TRANSPORT"]}  # fmt: skip
    assert result[5:] == [
        {"from_id": "s5", "to_id": "s1", "type": "relation", "direction": "right",
         "labels": ["ARTIFACT"]},
        {"from_id": "s5", "to_id": "s4", "type": "relation", "direction": "right",
         "labels": ["DESTINATION"]},
    ]  # fmt: skip
    assert task["predictions"] == []


@pytest.mark.django_db
def test_labelstudio_as_predictions_moves_results_into_predictions(headline, project):
    (task,) = json.loads(export_bytes(project, "labelstudio", as_predictions=True)[0])
    assert task["annotations"] == []
    (prediction,) = task["predictions"]
    assert prediction["model_version"] == "newsreview:gold" and "id" not in prediction
    assert {r.get("origin") for r in prediction["result"] if "value" in r} == {"prediction"}


@pytest.mark.django_db
def test_labelstudio_offsets_are_code_points_even_after_an_emoji(tricky, project):
    (task,) = json.loads(export_bytes(project, "labelstudio")[0])
    text = task["data"]["text"]
    for region in task["annotations"][0]["result"]:
        if "value" in region:
            value = region["value"]
            assert text[value["start"] : value["end"]] == value["text"]


@pytest.mark.django_db
def test_labelstudio_region_ids_are_unique_and_relations_reference_them(seed_gold, tricky, project):
    tasks = json.loads(export_bytes(project, "labelstudio", "all")[0])
    assert [t["id"] for t in tasks] == [1, 2, 3]
    for task in tasks:
        result = task["annotations"][0]["result"]
        ids = [r["id"] for r in result if "id" in r]
        assert len(ids) == len(set(ids))
        for relation in (r for r in result if r["type"] == "relation"):
            assert {relation["from_id"], relation["to_id"]} <= set(ids)


@pytest.mark.django_db
def test_labelstudio_config_parses_and_its_names_match_the_results(seed_gold, project):
    root = ET.fromstring(labeling_config(project))  # noqa: S314
    text = root.find(".//Text")
    assert text.get("name") == "text" and text.get("value") == "$text"
    assert text.get("granularity") == "symbol"
    labels = {x.get("name"): x for x in root.findall("Labels")}
    assert set(labels) == {"entity", "event"}
    assert all(x.get("toName") == "text" for x in labels.values())
    entity_values = [label.get("value") for label in labels["entity"]]
    assert entity_values[:4] == ["PERS", "ORG", "OCC", "GPE"]
    assert "CONTACT_MEET" in [label.get("value") for label in labels["event"]]
    relations = [r.get("value") for r in root.find("Relations")]
    assert len(relations) == len(set(relations)) and "PARTICIPANT" in relations
    assert root.find("View").get("style") == "direction: rtl"

    (task,) = json.loads(export_bytes(project, "labelstudio")[0])
    declared = {
        "entity": set(entity_values),
        "event": {label.get("value") for label in labels["event"]},
    }
    for region in task["annotations"][0]["result"]:
        if region["type"] == "labels":
            assert region["to_name"] == "text"
            assert set(region["value"]["labels"]) <= declared[region["from_name"]]
        else:
            assert set(region["labels"]) <= set(relations)
