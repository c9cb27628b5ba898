"""The admin: every page renders with data present, Arabic search works, actions and edits go
through the services (validation and audit trail), the audit trail itself is read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsreview.annotations import services
from newsreview.annotations.models import (
    AnnotationLayer,
    Argument,
    Change,
    Comment,
    Event,
    Span,
)
from newsreview.documents.models import Document, text_checksum
from newsreview.projects.models import (
    EntityType,
    EventType,
    LabelSchema,
    Membership,
    Project,
    RoleType,
)
from tests.factories import (
    DocumentFactory,
    LabelSchemaFactory,
    ProjectFactory,
    UserFactory,
)

# --- helpers and data -------------------------------------------------------------------------


def url(model: Any, view: str, *args: Any) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def at(text: str, word: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    return start, start + len(word)


def form_data(response) -> dict[str, Any]:
    """What the browser would post back unchanged: the main form and every inline formset."""
    data: dict[str, Any] = {}

    def add_form(form) -> None:
        for name in form.fields:
            bound = form[name]
            value = bound.field.prepare_value(bound.value())
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            else:
                data[form.add_prefix(name)] = value

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add_form(formset.management_form)
        for form in formset.forms:
            add_form(form)
    return data


def errors_of(response) -> list[str]:
    form = response.context["adminform"].form
    return [str(e) for errors in form.errors.values() for e in errors]


@pytest.fixture
def superuser(db):
    return UserFactory(username="مدير", is_superuser=True, is_staff=True)


@pytest.fixture
def client_(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def layer(seed_document, annotator):
    return services.get_or_create_layer(document=seed_document, user=annotator)


@pytest.fixture
def data(seed_document, layer, annotator, reviewer, manager):
    """One of everything, made through the services like real work."""
    text = seed_document.text
    person = services.add_span(
        layer=layer,
        start=at(text, "حموشي")[0],
        end=at(text, "حموشي")[1],
        label="PERS",
        by=annotator,
    )
    start, end = at(text, "اللقاءات")
    trigger = services.add_span(
        layer=layer, start=start, end=end, label="CONTACT_MEET", by=annotator
    )
    argument = services.add_argument(
        layer=layer, event=trigger.event, role="PARTICIPANT", span=person, by=annotator
    )
    comment = services.add_comment(layer=layer, text="حدود الاسم صحيحة", by=reviewer, span=person)
    gold = services.get_or_create_named_layer(document=seed_document, name="gold")
    return {
        "document": seed_document,
        "layer": layer,
        "gold": gold,
        "span": person,
        "trigger": trigger,
        "event": trigger.event,
        "argument": argument,
        "comment": comment,
        "change": Change.objects.filter(layer=layer).latest("id"),
        "project": seed_document.project,
        "schema": seed_document.project.schema,
        "entity_type": person.entity_type,
        "event_type": trigger.event_type,
        "role": argument.role,
        "membership": Membership.objects.get(user=annotator),
        "user": annotator,
    }


OBJECTS = {
    "user": "accounts.User",
    "schema": LabelSchema,
    "entity_type": EntityType,
    "event_type": EventType,
    "role": RoleType,
    "project": Project,
    "membership": Membership,
    "document": Document,
    "layer": AnnotationLayer,
    "span": Span,
    "event": Event,
    "argument": Argument,
    "comment": Comment,
    "change": Change,
}


def model_of(key: str):
    from django.apps import apps

    model = OBJECTS[key]
    return apps.get_model(model) if isinstance(model, str) else model


# --- every page renders -------------------------------------------------------------------------


def test_every_model_is_registered():
    for key in OBJECTS:
        assert model_of(key) in admin.site._registry, key


@pytest.mark.parametrize("key", OBJECTS)
def test_changelist_renders_with_data(client_, data, key):
    response = client_.get(url(model_of(key), "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("key", OBJECTS)
def test_change_page_renders_with_data(client_, data, key):
    response = client_.get(url(model_of(key), "change", data[key].pk))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "key",
    [
        "user",
        "schema",
        "entity_type",
        "event_type",
        "role",
        "project",
        "membership",
        "document",
        "layer",
        "span",
        "argument",
        "comment",
    ],
)
def test_add_page_renders(client_, data, key):
    assert client_.get(url(model_of(key), "add")).status_code == 200


@pytest.mark.parametrize("key", ["span", "comment", "document", "layer", "project"])
def test_delete_confirmation_renders(client_, data, key):
    assert client_.get(url(model_of(key), "delete", data[key].pk)).status_code == 200


def test_staff_without_superuser_see_only_projects_they_manage(client, data, manager, outsider):
    manager.is_staff = True
    manager.save()
    from django.contrib.auth.models import Permission

    manager.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client.force_login(manager)
    other = DocumentFactory(project=Project.objects.get(slug="other"), text="وثيقة أخرى")
    response = client.get(url(Document, "changelist"))
    assert response.status_code == 200
    shown = {d.pk for d in response.context["cl"].result_list}
    assert data["document"].pk in shown
    assert other.pk not in shown
    assert client.get(url(Document, "change", other.pk)).status_code == 302  # "does not exist"


# --- RTL and escaping ---------------------------------------------------------------------------


def test_document_text_area_is_right_to_left_and_the_admin_stylesheet_is_attached(client_, project):
    document = DocumentFactory(project=project)
    response = client_.get(url(Document, "change", document.pk))
    html = response.content.decode()
    assert 'dir="rtl"' in html
    assert 'name="text"' in html
    assert "css/admin.css" in html
    assert 'dir="auto"' in html  # the title input


def test_annotated_document_text_is_shown_right_to_left_and_escaped(client_, data):
    document = data["document"]
    Document.objects.filter(pk=document.pk).update(title="<b>عنوان</b>")
    response = client_.get(url(Document, "change", document.pk))
    html = response.content.decode()
    assert '<div class="nr-doc-text" dir="rtl" lang="ar">' in html
    assert "ڤـــو" in html
    listing = client_.get(url(Document, "changelist")).content.decode()
    assert "&lt;b&gt;عنوان&lt;/b&gt;" in listing
    assert "<b>عنوان</b>" not in listing


# --- search ---------------------------------------------------------------------------------


def test_document_search_finds_arabic_text_and_titles(client_, data, project):
    DocumentFactory(project=project, text="خبر رياضي عن كرة القدم")
    response = client_.get(url(Document, "changelist"), {"q": "ڤـــو"})
    assert [d.pk for d in response.context["cl"].result_list] == [data["document"].pk]
    title_word = data["document"].title.split()[1]
    response = client_.get(url(Document, "changelist"), {"q": title_word})
    assert data["document"].pk in [d.pk for d in response.context["cl"].result_list]
    response = client_.get(url(Document, "changelist"), {"q": "كلمة غير موجودة إطلاقا"})
    assert response.context["cl"].result_count == 0


def test_span_search_finds_arabic_span_text(client_, data):
    response = client_.get(url(Span, "changelist"), {"q": "اللقاءات"})
    assert [s.pk for s in response.context["cl"].result_list] == [data["trigger"].pk]


def test_user_search_finds_arabic_usernames(client_, data):
    UserFactory(username="مراجع_أول")
    response = client_.get(url(model_of("user"), "changelist"), {"q": "مراجع"})
    assert [u.username for u in response.context["cl"].result_list] == ["مراجع_أول"]


def test_layer_and_comment_search_by_username_and_text(client_, data):
    response = client_.get(url(AnnotationLayer, "changelist"), {"q": "annotator1"})
    assert [la.pk for la in response.context["cl"].result_list] == [data["layer"].pk]
    response = client_.get(url(Comment, "changelist"), {"q": "الاسم"})
    assert [c.pk for c in response.context["cl"].result_list] == [data["comment"].pk]


# --- actions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status"),
    [("mark_done", "done"), ("reopen", "in_progress"), ("mark_reviewed", "reviewed")],
)
def test_layer_status_actions_go_through_the_service_and_are_audited(
    client_, superuser, data, action, status
):
    layer = data["layer"]
    version = AnnotationLayer.objects.get(pk=layer.pk).version
    response = client_.post(
        url(AnnotationLayer, "changelist"),
        {"action": action, "_selected_action": [layer.pk]},
        follow=True,
    )
    assert response.status_code == 200
    layer.refresh_from_db()
    assert layer.status == status
    assert layer.version == version + 1
    change = Change.objects.filter(layer=layer).latest("id")
    assert (change.action, change.user, change.after) == (
        "layer.status",
        superuser,
        {"status": status},
    )


def test_document_action_creates_the_gold_layer_once(client_, project):
    documents = [DocumentFactory(project=project) for _ in range(2)]
    post = {"action": "create_gold_layer", "_selected_action": [d.pk for d in documents]}
    client_.post(url(Document, "changelist"), post, follow=True)
    client_.post(url(Document, "changelist"), post, follow=True)
    gold = AnnotationLayer.objects.filter(kind="gold", name="gold")
    assert sorted(gold.values_list("document_id", flat=True)) == sorted(d.pk for d in documents)


def test_project_action_installs_and_uses_the_default_schema(client_, db):
    bare = ProjectFactory(slug="bare", schema=LabelSchemaFactory(name="empty"))
    response = client_.post(
        url(Project, "changelist"),
        {"action": "use_default_schema", "_selected_action": [bare.pk]},
        follow=True,
    )
    bare.refresh_from_db()
    assert bare.schema.entity_types.count() == 14
    assert bare.schema.event_types.count() == 12
    assert "1" in " ".join(str(m) for m in response.context["messages"])


def test_project_action_keeps_the_schema_of_an_annotated_project(client_, data):
    project = data["project"]
    custom = LabelSchemaFactory(name="custom")
    Project.objects.filter(pk=project.pk).update(schema=custom)
    response = client_.post(
        url(Project, "changelist"),
        {"action": "use_default_schema", "_selected_action": [project.pk]},
        follow=True,
    )
    project.refresh_from_db()
    assert project.schema == custom
    assert any("annotations" in str(m) for m in response.context["messages"])


def test_check_schema_action_reports_clashes(client_, project):
    EntityType.objects.filter(schema=project.schema, key="ORG").update(shortcut="p")
    response = client_.post(
        url(Project, "changelist"),
        {"action": "check_schema", "_selected_action": [project.pk]},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("PERS" in m and "ORG" in m for m in messages), messages


def test_check_schema_action_says_when_a_schema_is_fine(client_, default_schema):
    response = client_.post(
        url(LabelSchema, "changelist"),
        {"action": "check_schema", "_selected_action": [default_schema.pk]},
        follow=True,
    )
    assert any("no problems" in str(m) for m in response.context["messages"])


# --- documents --------------------------------------------------------------------------------


def test_annotated_document_text_is_read_only(client_, data):
    document = data["document"]
    page = client_.get(url(Document, "change", document.pk))
    assert 'name="text"' not in page.content.decode()
    post = form_data(page)
    post["text"] = "نص بديل"
    post["title"] = "عنوان جديد"
    response = client_.post(url(Document, "change", document.pk), post)
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.text == data["document"].text
    assert document.title == "عنوان جديد"


def test_unannotated_document_text_changes_through_the_service(client_, project):
    document = DocumentFactory(project=project)
    page = client_.get(url(Document, "change", document.pk))
    post = form_data(page)
    post["text"] = "سطر أول\r\nسطر ثان"
    response = client_.post(url(Document, "change", document.pk), post)
    assert response.status_code == 302, errors_of(response)
    document.refresh_from_db()
    assert document.text == "سطر أول\nسطر ثان"
    assert document.checksum == text_checksum("سطر أول\nسطر ثان")


def test_document_text_cannot_change_when_annotated_after_the_page_opened(client_, project):
    document = DocumentFactory(project=project)
    page = client_.get(url(Document, "change", document.pk))
    annotator = UserFactory(username="fast")
    layer = services.get_or_create_layer(document=document, user=annotator)
    label = EntityType.objects.get(schema=project.schema, key="PERS")
    services.add_span(layer=layer, start=43, end=48, label=label, by=annotator)
    post = form_data(page)
    post["text"] = "نص بديل"
    client_.post(url(Document, "change", document.pk), post)
    document.refresh_from_db()
    assert document.text != "نص بديل"
    assert document.is_annotated


def test_adding_a_document_normalises_text_and_takes_the_title_from_the_first_line(
    client_, project
):
    response = client_.post(
        url(Document, "add"),
        {
            "project": project.pk,
            "title": "",
            "text": "حموشي في باريس\r\nتفاصيل الزيارة",
            "language": "ar",
            "direction": "rtl",
            "metadata": "{}",
            "external_id": "",
            "source_url": "",
        },
    )
    assert response.status_code == 302, errors_of(response)
    document = Document.objects.get()
    assert document.text == "حموشي في باريس\nتفاصيل الزيارة"
    assert document.title == "حموشي في باريس"
    assert document.checksum == text_checksum(document.text)


def test_adding_an_empty_document_shows_an_error(client_, project):
    response = client_.post(
        url(Document, "add"),
        {"project": project.pk, "text": " \r\n ", "language": "ar", "direction": "rtl"},
    )
    assert response.status_code == 200
    assert errors_of(response)
    assert not Document.objects.exists()


# --- spans through the service -----------------------------------------------------------------


def span_post(layer: AnnotationLayer, start: Any, end: Any, label: EntityType | EventType):
    field = "entity_type" if isinstance(label, EntityType) else "event_type"
    return {"layer": layer.pk, "start": start, "end": end, field: label.pk}


def test_span_added_in_the_admin_goes_through_the_service(client_, superuser, layer):
    text = layer.document.text
    start, end = at(text, "باريس")
    gpe = EntityType.objects.get(schema=layer.document.project.schema, key="GPE")
    response = client_.post(url(Span, "add"), span_post(layer, start, end, gpe))
    assert response.status_code == 302, errors_of(response)
    span = Span.objects.get()
    assert (span.text, span.created_by) == ("باريس", superuser)
    change = Change.objects.get()
    assert (change.action, change.user) == ("span.add", superuser)
    assert change.after["spans"][0]["id"] == span.pk
    assert AnnotationLayer.objects.get(pk=layer.pk).version == 1


def test_event_trigger_added_in_the_admin_creates_its_event(client_, layer):
    start, end = at(layer.document.text, "اللقاءات")
    meet = EventType.objects.get(schema=layer.document.project.schema, key="CONTACT_MEET")
    response = client_.post(url(Span, "add"), span_post(layer, start, end, meet))
    assert response.status_code == 302, errors_of(response)
    assert Event.objects.get().trigger == Span.objects.get()


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(2600, 9000, "outside the text"), (10, 10, "at least one"), (-1, 4, "")],
)
def test_span_with_bad_offsets_shows_an_error_and_saves_nothing(
    client_, layer, start, end, message
):
    pers = EntityType.objects.get(schema=layer.document.project.schema, key="PERS")
    response = client_.post(url(Span, "add"), span_post(layer, start, end, pers))
    assert response.status_code == 200
    errors = errors_of(response)
    assert errors
    assert message in " ".join(errors)
    assert not Span.objects.exists()
    assert not Change.objects.exists()
    assert AnnotationLayer.objects.get(pk=layer.pk).version == 0


def test_span_with_white_space_only_or_a_foreign_label_is_refused(client_, layer):
    newline = layer.document.text.index("\n")
    pers = EntityType.objects.get(schema=layer.document.project.schema, key="PERS")
    response = client_.post(url(Span, "add"), span_post(layer, newline, newline + 1, pers))
    assert "white space" in " ".join(errors_of(response))
    alien = EntityType.objects.create(
        schema=LabelSchemaFactory(), key="PERS", name_en="P", name_ar="ش", colour="#000000"
    )
    response = client_.post(url(Span, "add"), span_post(layer, 0, 3, alien))
    assert "schema" in " ".join(errors_of(response))
    assert not Span.objects.exists()


def test_span_with_two_labels_or_none_is_refused(client_, layer):
    schema = layer.document.project.schema
    post = span_post(layer, 0, 3, EntityType.objects.get(schema=schema, key="PERS"))
    post["event_type"] = EventType.objects.get(schema=schema, key="CONTACT_MEET").pk
    assert client_.post(url(Span, "add"), post).status_code == 200
    del post["event_type"], post["entity_type"]
    assert client_.post(url(Span, "add"), post).status_code == 200
    assert not Span.objects.exists()


def test_duplicate_span_in_the_admin_is_refused(client_, data):
    span = data["span"]
    response = client_.post(
        url(Span, "add"), span_post(data["layer"], span.start, span.end, span.entity_type)
    )
    assert response.status_code == 200
    assert "already" in " ".join(errors_of(response))
    assert Span.objects.filter(start=span.start, end=span.end).count() == 1


def test_span_edited_in_the_admin_is_validated_and_audited(client_, superuser, data):
    span = data["span"]
    page = client_.get(url(Span, "change", span.pk))
    post = form_data(page)
    org = EntityType.objects.get(schema=data["schema"], key="ORG")
    post["entity_type"] = org.pk
    response = client_.post(url(Span, "change", span.pk), post)
    assert response.status_code == 302, errors_of(response)
    assert Span.objects.get(pk=span.pk).entity_type == org
    change = Change.objects.latest("id")
    assert (change.action, change.user) == ("span.update", superuser)
    assert change.before["spans"][0]["label"] == "PERS"

    # DATE is not allowed as the PARTICIPANT it fills: refused with a message, not a 500.
    post["entity_type"] = EntityType.objects.get(schema=data["schema"], key="DATE").pk
    response = client_.post(url(Span, "change", span.pk), post)
    assert response.status_code == 200
    assert "PARTICIPANT" in " ".join(errors_of(response))
    assert Span.objects.get(pk=span.pk).entity_type == org


def test_span_deleted_in_the_admin_is_audited_and_undoable(client_, superuser, data):
    span = data["span"]
    response = client_.post(url(Span, "delete", span.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Span.objects.filter(pk=span.pk).exists()
    assert not Argument.objects.filter(pk=data["argument"].pk).exists()
    change = Change.objects.latest("id")
    assert (change.action, change.user) == ("span.delete", superuser)
    services.undo(layer=data["layer"], by=superuser)
    assert Span.objects.filter(pk=span.pk).exists()
    assert Argument.objects.filter(pk=data["argument"].pk).exists()


def test_bulk_delete_of_spans_goes_through_the_service(client_, data):
    spans = [data["span"].pk, data["trigger"].pk]
    response = client_.post(
        url(Span, "changelist"),
        {"action": "delete_selected", "_selected_action": spans, "post": "yes"},
    )
    assert response.status_code == 302
    assert not Span.objects.filter(pk__in=spans).exists()
    assert Change.objects.filter(action="span.delete").count() == 2


def test_span_change_page_shows_the_span_in_context(client_, data):
    html = client_.get(url(Span, "change", data["span"].pk)).content.decode()
    assert "<mark>حموشي</mark>" in html
    # No shortcut from a span to deleting its label type.
    assert url(EntityType, "delete", "__fk__") not in html
    assert "delete_id_entity_type" not in html


def test_layer_change_page_lists_its_spans_and_links_from_the_document(client_, data):
    layer = data["layer"]
    html = client_.get(url(AnnotationLayer, "change", layer.pk)).content.decode()
    assert "حموشي" in html and "اللقاءات" in html
    document_html = client_.get(url(Document, "change", data["document"].pk)).content.decode()
    assert url(AnnotationLayer, "change", layer.pk) in document_html


def test_layer_added_in_the_admin_is_the_annotators_layer(client_, project, seed_document):
    user = UserFactory(username="annotator9")
    response = client_.post(
        url(AnnotationLayer, "add"),
        {"document": seed_document.pk, "kind": "annotator", "owner": user.pk, "name": ""},
    )
    assert response.status_code == 302
    assert AnnotationLayer.objects.get().owner == user
    response = client_.post(
        url(AnnotationLayer, "add"), {"document": seed_document.pk, "kind": "annotator"}
    )
    assert response.status_code == 200
    assert AnnotationLayer.objects.count() == 1


# --- arguments, events, comments ----------------------------------------------------------


def test_argument_added_in_the_admin_is_validated_by_the_service(client_, superuser, data):
    text = data["document"].text
    start, end = at(text, "14")
    date = services.add_span(layer=data["layer"], start=start, end=end, label="DATE", by=None)
    participant = data["role"]
    post = {"event": data["event"].pk, "role": participant.pk, "span": date.pk}
    response = client_.post(url(Argument, "add"), post)
    assert response.status_code == 200
    assert "DATE" in " ".join(errors_of(response))
    time_role = RoleType.objects.get(event_type=data["event_type"], key="TIME")
    post["role"] = time_role.pk
    response = client_.post(url(Argument, "add"), post)
    assert response.status_code == 302, errors_of(response)
    change = Change.objects.latest("id")
    assert (change.action, change.user) == ("argument.add", superuser)


def test_argument_deleted_in_the_admin_is_audited(client_, superuser, data):
    argument = data["argument"]
    client_.post(url(Argument, "delete", argument.pk), {"post": "yes"})
    assert not Argument.objects.filter(pk=argument.pk).exists()
    assert Change.objects.latest("id").action == "argument.delete"


def test_event_deleted_in_the_admin_takes_its_trigger_along(client_, data):
    event = data["event"]
    response = client_.post(url(Event, "delete", event.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Span.objects.filter(pk=data["trigger"].pk).exists()
    assert Change.objects.latest("id").action == "span.delete"


def test_comment_added_in_the_admin_is_validated_and_audited(client_, superuser, data):
    layer = data["layer"]
    response = client_.post(url(Comment, "add"), {"layer": layer.pk, "text": "   "})
    assert response.status_code == 200
    assert Comment.objects.count() == 1
    response = client_.post(url(Comment, "add"), {"layer": layer.pk, "text": "  راجع الحدود "})
    assert response.status_code == 302, errors_of(response)
    comment = Comment.objects.latest("id")
    assert (comment.text, comment.author) == ("راجع الحدود", superuser)
    assert Change.objects.latest("id").action == "comment.add"


def test_comment_deleted_in_the_admin_keeps_its_words_in_the_audit(client_, superuser, data):
    comment = data["comment"]
    response = client_.post(url(Comment, "delete", comment.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()
    change = Change.objects.latest("id")
    assert (change.action, change.user, change.after) == ("comment.delete", superuser, None)
    assert change.before == {
        "id": comment.pk, "span": comment.span_id, "text": "حدود الاسم صحيحة",
        "author": comment.author.username,
    }  # fmt: skip


# --- memberships --------------------------------------------------------------------------


def test_membership_added_in_the_admin_goes_through_add_member(client_, project):
    user = UserFactory(username="جديد")
    response = client_.post(
        url(Membership, "add"), {"project": project.pk, "user": user.pk, "role": "reviewer"}
    )
    assert response.status_code == 302
    assert project.role_of(user) == "reviewer"
    inactive = UserFactory(username="old", is_active=False)
    response = client_.post(
        url(Membership, "add"), {"project": project.pk, "user": inactive.pk, "role": "reviewer"}
    )
    assert response.status_code == 200
    assert project.role_of(inactive) is None


def test_project_membership_inline_saves_through_the_services(client_, project, annotator):
    page = client_.get(url(Project, "change", project.pk))
    post = form_data(page)
    prefix = "memberships"
    total = int(post[f"{prefix}-TOTAL_FORMS"])
    newcomer = UserFactory(username="newcomer")
    post[f"{prefix}-{total}-user"] = newcomer.pk
    post[f"{prefix}-{total}-role"] = "manager"
    post[f"{prefix}-TOTAL_FORMS"] = total + 1
    response = client_.post(url(Project, "change", project.pk), post)
    assert response.status_code == 302, response.context and errors_of(response)
    assert project.role_of(newcomer) == "manager"


def test_project_membership_inline_changes_roles_and_removes_members(
    client_, project, annotator, other_annotator
):
    page = client_.get(url(Project, "change", project.pk))
    post = form_data(page)
    rows = {
        int(post[f"memberships-{i}-user"]): i for i in range(int(post["memberships-TOTAL_FORMS"]))
    }
    post[f"memberships-{rows[annotator.pk]}-role"] = "reviewer"
    post[f"memberships-{rows[other_annotator.pk]}-DELETE"] = "on"
    response = client_.post(url(Project, "change", project.pk), post)
    assert response.status_code == 302
    assert project.role_of(annotator) == "reviewer"
    assert project.role_of(other_annotator) is None


def test_user_added_in_the_admin_gets_a_hashed_password(client_):
    response = client_.post(
        url(model_of("user"), "add"),
        {
            "username": "مراجع٢",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    user = model_of("user").objects.get(username="مراجع٢")
    assert user.check_password("a-long-pass-phrase-42")


# --- the audit trail is read-only ---------------------------------------------------------


def test_change_admin_is_read_only(client_, data):
    change = data["change"]
    assert client_.get(url(Change, "add")).status_code == 403
    assert client_.get(url(Change, "delete", change.pk)).status_code == 403
    page = client_.get(url(Change, "change", change.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in html
    assert "حدود الاسم صحيحة" in html  # the after JSON, readable (not \\u escapes)
    response = client_.post(url(Change, "change", change.pk), {"action": "x"})
    assert response.status_code == 403
    bulk = client_.post(
        url(Change, "changelist"),
        {"action": "delete_selected", "_selected_action": [change.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert Change.objects.filter(pk=change.pk).exists()


def test_change_admin_has_a_date_hierarchy(client_, data):
    response = client_.get(url(Change, "changelist"))
    assert response.context["cl"].date_hierarchy == "created_at"


# --- query counts stay flat -------------------------------------------------------------------


def more_data(document, annotator_name: str) -> None:
    user = UserFactory(username=annotator_name)
    layer = services.get_or_create_layer(document=document, user=user)
    text = document.text
    services.add_span(
        layer=layer, start=at(text, "حموشي")[0], end=at(text, "حموشي")[1], label="PERS", by=user
    )
    start, end = at(text, "اللقاءات")
    trigger = services.add_span(layer=layer, start=start, end=end, label="CONTACT_MEET", by=user)
    person = Span.objects.get(layer=layer, entity_type__isnull=False)
    services.add_argument(
        layer=layer, event=trigger.event, role="PARTICIPANT", span=person, by=user
    )
    services.add_comment(layer=layer, text="ملاحظة", by=user, span=person)
    DocumentFactory(project=document.project)


@pytest.mark.parametrize(
    "model",
    [
        Document,
        AnnotationLayer,
        Span,
        Event,
        Argument,
        Comment,
        Change,
        Project,
        Membership,
        EntityType,
        RoleType,
        LabelSchema,
    ],
)
def test_changelist_query_count_does_not_grow_with_rows(client_, data, model):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_.get(url(model, "changelist")).status_code == 200
        return len(captured)

    few = queries()
    for n in range(4):
        more_data(data["document"], f"extra{n}")
    assert queries() == few


def test_layer_change_page_query_count_does_not_grow_with_spans(
    client_, data, django_assert_max_num_queries
):
    layer = data["layer"]
    with CaptureQueriesContext(connection) as captured:
        client_.get(url(AnnotationLayer, "change", layer.pk))
    text = data["document"].text
    for word in ("فرنسا", "باريس", "المغرب", "الفرنسيين"):
        start, end = at(text, word)
        services.add_span(layer=layer, start=start, end=end, label="GPE", by=None)
    with django_assert_max_num_queries(len(captured)):
        client_.get(url(AnnotationLayer, "change", layer.pk))


@pytest.mark.django_db
def test_staff_with_change_user_permission_cannot_make_themselves_superuser(client):
    from django.contrib.auth.models import Permission

    from newsreview.accounts.models import User as UserModel

    staff = UserFactory(username="staffer", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="change_user"),
        Permission.objects.get(codename="view_user"),
    )
    client.force_login(staff)
    url = reverse("admin:accounts_user_change", args=[staff.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.text
    client.post(
        url,
        {
            "username": "staffer",
            "is_superuser": "on",
            "is_staff": "on",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00",
        },
    )
    assert UserModel.objects.get(pk=staff.pk).is_superuser is False
