"""The format registry: modules found by name, absent ones skipped, flags shared."""

import argparse
import sys
import types

import pytest

from newsreview.exports import registry
from newsreview.exports.records import ExportError


@pytest.fixture
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_loaded", None)
    monkeypatch.setattr(registry, "_broken", {})
    yield registry
    registry._loaded = None


def test_registry_offers_the_span_list_formats_in_page_order(fresh_registry):
    keys = list(fresh_registry.formats())
    span_formats = [k for k in keys if k in {"jsonl", "brat", "doccano", "labelstudio", "csv"}]
    assert span_formats == ["jsonl", "brat", "doccano", "labelstudio", "csv"]
    for export_format in fresh_registry.formats().values():
        assert export_format.extension.startswith(".")
        assert callable(export_format.module.write)


def test_registry_skips_a_format_module_that_does_not_exist(fresh_registry, monkeypatch):
    monkeypatch.setattr(fresh_registry, "MODULES", ("jsonl", "not_written_yet"))
    assert list(fresh_registry.formats()) == ["jsonl"]


def test_registry_plugs_in_a_module_that_follows_the_interface(fresh_registry, monkeypatch):
    module = types.ModuleType("newsreview.exports.formats.fake")
    module.KEY, module.MEDIA_TYPE, module.EXTENSION = "fake", "text/plain; charset=utf-8", ".txt"
    module.write = lambda records, out, *, project, options, warn: out.write(b"x")
    module.add_arguments = lambda parser: parser.add_argument("--excel", action="store_true")
    monkeypatch.setitem(sys.modules, "newsreview.exports.formats.fake", module)
    monkeypatch.setattr(fresh_registry, "MODULES", ("csv", "fake"))
    assert fresh_registry.get_format("fake").side_files(None, {}) == {}
    parser = argparse.ArgumentParser()
    # csv and fake both declare --excel: the second declaration is skipped, not an error.
    fresh_registry.add_all_arguments(parser)
    assert parser.parse_args(["--excel"]).excel is True


def test_registry_reports_a_format_whose_dependency_is_missing(fresh_registry, monkeypatch):
    module_name = "newsreview.exports.formats.needs_dep"
    monkeypatch.setattr(fresh_registry, "MODULES", ("jsonl", "needs_dep"))

    def broken_import(name, *args, **kwargs):
        if name == module_name:
            raise ModuleNotFoundError("No module named 'somedep'", name="somedep")
        return original(name, *args, **kwargs)

    original = fresh_registry.importlib.import_module
    monkeypatch.setattr(fresh_registry.importlib, "import_module", broken_import)
    assert list(fresh_registry.formats()) == ["jsonl"]
    with pytest.raises(ExportError, match="somedep"):
        fresh_registry.get_format("needs_dep")


def test_get_format_names_the_available_formats_for_an_unknown_key(fresh_registry):
    with pytest.raises(ExportError, match="unknown format “xlsx”.*jsonl"):
        fresh_registry.get_format("xlsx")
