"""projects.services: the default schema matches FORMATS.md §10, schema checks, members."""

import pytest

from newsreview.projects import default_schema as default
from newsreview.projects.models import (
    RESERVED_SHORTCUTS,
    EntityType,
    EventType,
    LabelSchema,
    Membership,
    RoleType,
)
from newsreview.projects.services import (
    ProjectError,
    add_member,
    install_default_schema,
    remove_member,
    validate_schema,
)
from tests.factories import (
    EntityTypeFactory,
    EventTypeFactory,
    LabelSchemaFactory,
    MembershipFactory,
    UserFactory,
)

# FORMATS.md §10, written out again here so a change to default_schema.py must be deliberate.
ENTITIES = {
    "PERS": ("p", "#F4A6A6", "شخص", "Person"),
    "ORG": ("o", "#9EC5FE", "منظمة / مؤسسة", "Organisation"),
    "OCC": ("j", "#FFD8A8", "منصب / مهنة", "Occupation / title"),
    "GPE": ("g", "#B2F2BB", "كيان جغرافي سياسي", "Geo-political entity"),
    "LOC": ("l", "#C3FAE8", "موقع جغرافي", "Location"),
    "FAC": ("f", "#D0BFFF", "منشأة", "Facility"),
    "NORP": (
        "n",
        "#FFC9E9",
        "جماعة (جنسية، دينية، سياسية)",
        "Group (nationality, religion, politics)",
    ),
    "EVENT": ("e", "#E9ECEF", "حدث مسمى", "Named event"),
    "DATE": ("d", "#FFEC99", "تاريخ", "Date"),
    "TIME": ("t", "#FFF3BF", "وقت", "Time"),
    "MONEY": ("m", "#D3F9D8", "مبلغ مالي", "Money"),
    "WEAPON": ("w", "#FFA8A8", "سلاح", "Weapon"),
    "VEHICLE": ("v", "#A5D8FF", "مركبة", "Vehicle"),
    "CRIME": ("c", "#EEBEFA", "جريمة / تهمة", "Crime / charge"),
}
PLACE = ("PLACE", {"GPE", "LOC", "FAC"})
TIME = ("TIME", {"DATE", "TIME"})
EVENTS = {
    "CONTACT_MEET": (
        "1",
        "#1971C2",
        [("PARTICIPANT", {"PERS", "ORG", "GPE", "NORP"}), PLACE, TIME],
    ),
    "CONTACT_PHONE_WRITE": ("2", "#1098AD", [("PARTICIPANT", {"PERS", "ORG", "GPE"}), TIME]),
    "MOVEMENT_TRANSPORT": (
        "3",
        "#2F9E44",
        [
            ("ARTIFACT", {"PERS", "ORG", "WEAPON", "VEHICLE"}),
            ("AGENT", {"PERS", "ORG", "GPE"}),
            ("ORIGIN", {"GPE", "LOC", "FAC"}),
            ("DESTINATION", {"GPE", "LOC", "FAC"}),
            ("VEHICLE", {"VEHICLE"}),
            TIME,
        ],
    ),
    "AGREEMENT": ("4", "#5C940D", [("PARTICIPANT", {"PERS", "ORG", "GPE"}), PLACE, TIME]),
    "CONFLICT_ATTACK": (
        "5",
        "#C92A2A",
        [
            ("ATTACKER", {"PERS", "ORG", "GPE", "NORP"}),
            ("TARGET", {"PERS", "ORG", "GPE", "FAC", "LOC", "VEHICLE"}),
            ("INSTRUMENT", {"WEAPON", "VEHICLE"}),
            PLACE,
            TIME,
        ],
    ),
    "CONFLICT_DEMONSTRATE": ("6", "#E8590C", [("ENTITY", {"PERS", "ORG", "NORP"}), PLACE, TIME]),
    "JUSTICE_ARREST_JAIL": (
        "7",
        "#862E9C",
        [
            ("PERSON", {"PERS"}),
            ("AGENT", {"PERS", "ORG", "GPE"}),
            ("CRIME", {"CRIME"}),
            PLACE,
            TIME,
        ],
    ),
    "JUSTICE_CHARGE_INDICT": (
        "8",
        "#5F3DC4",
        [
            ("DEFENDANT", {"PERS", "ORG"}),
            ("PROSECUTOR", {"PERS", "ORG", "GPE"}),
            ("ADJUDICATOR", {"PERS", "ORG"}),
            ("CRIME", {"CRIME"}),
            PLACE,
            TIME,
        ],
    ),
    "JUSTICE_SENTENCE": (
        "9",
        "#364FC7",
        [
            ("DEFENDANT", {"PERS", "ORG"}),
            ("ADJUDICATOR", {"PERS", "ORG"}),
            ("CRIME", {"CRIME"}),
            PLACE,
            TIME,
        ],
    ),
    "LIFE_DIE": (
        "0",
        "#495057",
        [
            ("VICTIM", {"PERS"}),
            ("AGENT", {"PERS", "ORG", "GPE"}),
            ("INSTRUMENT", {"WEAPON", "VEHICLE"}),
            PLACE,
            TIME,
        ],
    ),
    "PERSONNEL_START_POSITION": (
        "q",
        "#087F5B",
        [("PERSON", {"PERS"}), ("ENTITY", {"ORG", "GPE"}), ("POSITION", {"OCC"}), PLACE, TIME],
    ),
    "PERSONNEL_END_POSITION": (
        "y",
        "#A61E4D",
        [("PERSON", {"PERS"}), ("ENTITY", {"ORG", "GPE"}), ("POSITION", {"OCC"}), PLACE, TIME],
    ),
}


def schema_rows(schema: LabelSchema) -> dict:
    return {
        "entities": list(schema.entity_types.order_by("pk").values()),
        "events": list(schema.event_types.order_by("pk").values()),
        "roles": list(RoleType.objects.filter(event_type__schema=schema).order_by("pk").values()),
        "allowed": sorted(
            RoleType.allowed_entity_types.through.objects.filter(
                roletype__event_type__schema=schema
            ).values_list("roletype_id", "entitytype_id")
        ),
    }


def test_install_default_schema_has_the_entity_types_of_formats_10(db):
    schema = install_default_schema()
    rows = {t.key: t for t in schema.entity_types.all()}
    assert set(rows) == set(ENTITIES)
    for key, (shortcut, colour, name_ar, name_en) in ENTITIES.items():
        label = rows[key]
        assert (label.shortcut, label.colour, label.name_ar, label.name_en) == (
            shortcut,
            colour,
            name_ar,
            name_en,
        ), key
    assert [t.key for t in schema.entity_types.order_by("order")] == list(ENTITIES)


def test_install_default_schema_has_the_event_types_and_roles_of_formats_10(db):
    schema = install_default_schema()
    rows = {t.key: t for t in schema.event_types.prefetch_related("roles__allowed_entity_types")}
    assert set(rows) == set(EVENTS)
    for key, (shortcut, colour, roles) in EVENTS.items():
        event = rows[key]
        assert (event.shortcut, event.colour) == (shortcut, colour), key
        actual = [(r.key, {t.key for t in r.allowed_entity_types.all()}) for r in event.roles.all()]
        assert actual == roles, key
    assert RoleType.objects.filter(event_type__schema=schema).count() == sum(
        len(roles) for _s, _c, roles in EVENTS.values()
    )


def test_install_default_schema_marks_repeatable_roles(db):
    schema = install_default_schema()
    roles = RoleType.objects.filter(event_type__schema=schema)
    assert {r.key for r in roles if r.is_multiple} == default.MULTIPLE_ROLES
    assert not roles.get(event_type__key="CONTACT_MEET", key="PLACE").is_multiple
    assert roles.get(event_type__key="CONTACT_MEET", key="PARTICIPANT").is_multiple


def test_install_default_schema_gives_roles_their_display_names(db):
    schema = install_default_schema()
    role = RoleType.objects.get(event_type__schema=schema, event_type__key="LIFE_DIE", key="VICTIM")
    assert (role.name_ar, role.name_en) == ("الضحية", "Victim")


def test_install_default_schema_uses_no_reserved_or_repeated_shortcut(db):
    schema = install_default_schema()
    shortcuts = [t.shortcut for t in schema.entity_types.all()] + [
        t.shortcut for t in schema.event_types.all()
    ]
    assert len(shortcuts) == len(set(shortcuts)) == 26
    assert not set(shortcuts) & RESERVED_SHORTCUTS
    assert validate_schema(schema) == []


def test_install_default_schema_is_idempotent(db):
    first = install_default_schema()
    before = schema_rows(first)
    second = install_default_schema()
    assert second.pk == first.pk
    assert LabelSchema.objects.count() == 1
    assert schema_rows(second) == before


def test_install_default_schema_completes_a_partial_schema_without_overwriting(db):
    schema = install_default_schema()
    EntityType.objects.filter(schema=schema, key="MONEY").delete()
    EntityType.objects.filter(schema=schema, key="PERS").update(colour="#000000")
    install_default_schema()
    assert EntityType.objects.filter(schema=schema).count() == len(ENTITIES)
    # An edit a manager made is theirs to keep.
    assert EntityType.objects.get(schema=schema, key="PERS").colour == "#000000"


def test_validate_schema_finds_a_reserved_shortcut(db):
    schema = LabelSchemaFactory()
    EntityTypeFactory(schema=schema, key="PERS", shortcut="u")
    problems = validate_schema(schema)
    assert len(problems) == 1
    assert "PERS" in problems[0]
    assert "u" in problems[0]


@pytest.mark.parametrize("key", sorted(RESERVED_SHORTCUTS))
def test_validate_schema_flags_every_reserved_key(db, key):
    schema = LabelSchemaFactory()
    EventTypeFactory(schema=schema, key="CONTACT_MEET", shortcut=key)
    assert len(validate_schema(schema)) == 1


def test_validate_schema_finds_a_shortcut_shared_by_an_entity_and_an_event(db):
    schema = LabelSchemaFactory()
    EntityTypeFactory(schema=schema, key="PERS", shortcut="p")
    EventTypeFactory(schema=schema, key="CONTACT_MEET", shortcut="p")
    problems = validate_schema(schema)
    assert len(problems) == 1
    assert "PERS" in problems[0] and "CONTACT_MEET" in problems[0]


def test_validate_schema_finds_a_key_that_is_both_entity_and_event(db):
    schema = LabelSchemaFactory()
    EntityTypeFactory(schema=schema, key="ATTACK", shortcut="p")
    EventTypeFactory(schema=schema, key="ATTACK", shortcut="1")
    problems = validate_schema(schema)
    assert len(problems) == 1
    assert "ATTACK" in problems[0]


def test_validate_schema_accepts_labels_without_shortcuts(db):
    schema = LabelSchemaFactory()
    EntityTypeFactory(schema=schema, key="PERS", shortcut="")
    EntityTypeFactory(schema=schema, key="ORG", shortcut="")
    assert validate_schema(schema) == []


# --- members --------------------------------------------------------------------------------


def test_add_member_by_a_manager_gives_the_role(project, manager):
    newcomer = UserFactory(username="جديد")
    membership = add_member(project=project, user=newcomer, role="reviewer", by=manager)
    assert membership.role == "reviewer"
    assert project.role_of(newcomer) == "reviewer"


def test_add_member_changes_the_role_of_an_existing_member(project, manager, annotator):
    add_member(project=project, user=annotator, role="reviewer", by=manager)
    assert Membership.objects.filter(project=project, user=annotator).count() == 1
    assert project.role_of(annotator) == "reviewer"


def test_add_member_by_a_superuser_outside_the_project(project):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    newcomer = UserFactory(username="newcomer")
    add_member(project=project, user=newcomer, role="annotator", by=root)
    assert project.role_of(newcomer) == "annotator"


@pytest.mark.parametrize("by", ["annotator", "reviewer", "outsider"])
def test_add_member_refuses_anyone_but_a_manager(project, request, by):
    actor = request.getfixturevalue(by)
    newcomer = UserFactory(username="newcomer")
    with pytest.raises(ProjectError) as info:
        add_member(project=project, user=newcomer, role="manager", by=actor)
    assert info.value.code == "forbidden"
    assert not Membership.objects.filter(user=newcomer).exists()


def test_add_member_refuses_a_manager_of_another_project(project, outsider):
    other = outsider.memberships.get().project
    MembershipFactory(project=other, user=UserFactory(username="boss"), role="manager")
    boss = UserFactory(username="boss")
    with pytest.raises(ProjectError) as info:
        add_member(project=project, user=UserFactory(username="x"), role="annotator", by=boss)
    assert info.value.code == "forbidden"


def test_add_member_refuses_an_unknown_role(project, manager):
    newcomer = UserFactory(username="newcomer")
    with pytest.raises(ProjectError) as info:
        add_member(project=project, user=newcomer, role="owner", by=manager)
    assert info.value.code == "bad_role"
    assert not Membership.objects.filter(user=newcomer).exists()


def test_add_member_refuses_a_deactivated_account(project, manager):
    newcomer = UserFactory(username="gone", is_active=False)
    with pytest.raises(ProjectError) as info:
        add_member(project=project, user=newcomer, role="annotator", by=manager)
    assert info.value.code == "inactive"
    assert not Membership.objects.filter(user=newcomer).exists()


def test_remove_member_by_a_manager(project, manager, annotator):
    remove_member(project=project, user=annotator, by=manager)
    assert project.role_of(annotator) is None


@pytest.mark.parametrize("by", ["annotator", "reviewer", "outsider"])
def test_remove_member_refuses_anyone_but_a_manager(project, request, other_annotator, by):
    actor = request.getfixturevalue(by)
    with pytest.raises(ProjectError) as info:
        remove_member(project=project, user=other_annotator, by=actor)
    assert info.value.code == "forbidden"
    assert project.role_of(other_annotator) == "annotator"


def test_remove_member_refuses_a_manager_removing_themselves(project, manager):
    with pytest.raises(ProjectError) as info:
        remove_member(project=project, user=manager, by=manager)
    assert info.value.code == "self"
    assert project.role_of(manager) == "manager"


def test_event_and_entity_type_counts_of_the_default_schema(default_schema):
    assert EntityType.objects.filter(schema=default_schema).count() == 14
    assert EventType.objects.filter(schema=default_schema).count() == 12


def test_every_membership_change_is_logged_with_who_did_it(project, manager, annotator):
    from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

    newcomer = UserFactory(username="جديد")
    add_member(project=project, user=newcomer, role="annotator", by=manager)
    add_member(project=project, user=newcomer, role="annotator", by=manager)  # no change
    add_member(project=project, user=newcomer, role="reviewer", by=manager)
    remove_member(project=project, user=newcomer, by=manager)
    remove_member(project=project, user=newcomer, by=manager)  # nobody to remove
    entries = list(LogEntry.objects.order_by("id"))
    assert [(e.action_flag, e.user, e.change_message) for e in entries] == [
        (ADDITION, manager, f"جديد: — → annotator in {project.slug}"),
        (CHANGE, manager, f"جديد: annotator → reviewer in {project.slug}"),
        (DELETION, manager, f"جديد: reviewer → — in {project.slug}"),
    ]
    assert {e.content_type.model for e in entries} == {"membership"}


@pytest.mark.parametrize(("who", "status"), [("superuser", 200), ("manager", 403)])
def test_the_admin_log_is_read_only_and_for_superusers(client, project, manager, who, status):
    from django.contrib.admin.models import LogEntry

    add_member(project=project, user=UserFactory(username="x1"), role="annotator", by=manager)
    user = manager
    if who == "superuser":
        user = UserFactory(username="root", is_superuser=True, is_staff=True)
    else:
        manager.is_staff = True
        manager.save()
    client.force_login(user)
    entry = LogEntry.objects.get()
    assert client.get("/admin/admin/logentry/").status_code == status
    change = client.post(f"/admin/admin/logentry/{entry.pk}/change/", {"change_message": "x"})
    delete = client.post(f"/admin/admin/logentry/{entry.pk}/delete/", {"post": "yes"})
    assert (change.status_code, delete.status_code) == (403, 403)
    assert LogEntry.objects.get().change_message != "x"
