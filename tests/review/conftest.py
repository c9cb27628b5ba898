"""Two annotators' layers on the seed article with known differences, built through the
services (PRODUCT.md: real parts). Shared by the service, view and browser tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from newsreview.annotations import services
from newsreview.annotations.models import AnnotationLayer


def at(text: str, word: str, *, inside: str | None = None) -> tuple[int, int]:
    """Offsets of the first `word` (of its first occurrence within `inside`)."""
    base = text.index(inside) if inside else 0
    start = text.index(word, base)
    return start, start + len(word)


@dataclass
class Scenario:
    text: str
    a1: AnnotationLayer
    a2: AnnotationLayer
    spans: dict[str, tuple[int, int]]

    def expected_gold(self) -> set[tuple[int, int, str]]:
        """The entity spans gold holds once every group is decided as the browser test
        decides them (agreed ones pre-accepted)."""
        s = self.spans
        return {
            (*s["hammouchi"], "PERS"),
            (*s["morocco"], "GPE"),
            (*s["paris"], "GPE"),
            (*s["occ"], "OCC"),
            (*s["french"], "NORP"),
            (*s["france"], "GPE"),
            (*s["full_name"], "PERS"),
        }


def build_scenario(document, annotator, other_annotator, *, submit: bool = True) -> Scenario:
    text = document.text
    spans = {
        "hammouchi": at(text, "حموشي"),
        "morocco": at(text, "المغرب"),
        "paris": at(text, "باريس"),
        "french": at(text, "الفرنسيين"),
        "france": at(text, "فرنسا", inside="بفرنسا"),
        "trip": at(text, "رحلة"),
        "occ": at(text, "المدير العام للأمن الوطني"),
        "security": at(text, "لأمن الوطني"),
        "full_name": at(text, "عبد اللطيف حموشي"),
        "title_name": at(text, "السيد عبد اللطيف حموشي"),
    }
    a1 = services.get_or_create_layer(document=document, user=annotator)
    a2 = services.get_or_create_layer(document=document, user=other_annotator)

    def add(layer, key, label):
        start, end = spans[key]
        return services.add_span(layer=layer, start=start, end=end, label=label, by=layer.owner)

    made = {}
    for layer in (a1, a2):
        made[layer.pk, "hammouchi"] = add(layer, "hammouchi", "PERS")
        add(layer, "morocco", "GPE")
        made[layer.pk, "paris"] = add(layer, "paris", "GPE")
        add(layer, "occ", "OCC")
        trip = add(layer, "trip", "MOVEMENT_TRANSPORT")
        services.add_argument(
            layer=layer,
            event=trip.event,
            role="DESTINATION",
            span=made[layer.pk, "paris"],
            by=layer.owner,
        )
        made[layer.pk, "trip"] = trip
    # annotator1: NORP, فرنسا, the ARTIFACT argument, the name without title, nested ORG.
    add(a1, "french", "NORP")
    add(a1, "france", "GPE")
    services.add_argument(
        layer=a1,
        event=made[a1.pk, "trip"].event,
        role="ARTIFACT",
        span=made[a1.pk, "hammouchi"],
        by=annotator,
    )
    add(a1, "full_name", "PERS")
    add(a1, "security", "ORG")
    # annotator2: GPE for الفرنسيين, the name with its title.
    add(a2, "french", "GPE")
    add(a2, "title_name", "PERS")
    if submit:
        for layer in (a1, a2):
            services.set_layer_status(layer=layer, status="done", by=layer.owner)
    a1.refresh_from_db()
    a2.refresh_from_db()
    return Scenario(text=text, a1=a1, a2=a2, spans=spans)


@pytest.fixture
def two_annotators(project):
    project.annotators_per_document = 2
    project.save(update_fields=["annotators_per_document"])
    return project


@pytest.fixture
def scenario(two_annotators, seed_document, annotator, other_annotator) -> Scenario:
    return build_scenario(seed_document, annotator, other_annotator)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The curation page caches its agreement figures under layer ids and versions, which
    a test database reuses from one test to the next."""
    from django.core.cache import caches

    caches["local"].clear()
    yield
    caches["local"].clear()
