"""One factory per model; defaults alone make a valid object inside one project."""

import factory
from django.utils.timezone import now

from newsreview.accounts.models import User
from newsreview.annotations.models import (
    AnnotationLayer,
    Argument,
    Change,
    Comment,
    Event,
    Span,
)
from newsreview.documents.models import Document
from newsreview.jobs.models import Job
from newsreview.projects.models import (
    EntityType,
    EventType,
    LabelSchema,
    Membership,
    Project,
    RoleType,
)

# The seed article's opening words (PRODUCT.md): offsets below are code points into it.
SEED = "التقى المدير العام للأمن الوطني عبد اللطيف حموشي"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("demo")


class LabelSchemaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabelSchema

    name = factory.Sequence(lambda n: f"schema {n}")


class EntityTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntityType
        django_get_or_create = ("schema", "key")

    schema = factory.SubFactory(LabelSchemaFactory)
    key = "PERS"
    name_en = "Person"
    name_ar = "شخص"
    colour = "#F4A6A6"
    shortcut = "p"


class EventTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventType
        django_get_or_create = ("schema", "key")

    schema = factory.SubFactory(LabelSchemaFactory)
    key = "CONTACT_MEET"
    name_en = "Meeting"
    name_ar = "لقاء / اجتماع"
    colour = "#1971C2"
    shortcut = "1"


class RoleTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleType
        django_get_or_create = ("event_type", "key")
        skip_postgeneration_save = True

    event_type = factory.SubFactory(EventTypeFactory)
    key = "PARTICIPANT"
    name_en = "Participant"
    name_ar = "مشارك"
    is_multiple = True

    @factory.post_generation
    def allowed(self, create: bool, extracted: list | None, **kwargs) -> None:
        if create and extracted:
            self.allowed_entity_types.set(extracted)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    schema = factory.SubFactory(LabelSchemaFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.ANNOTATOR

    class Params:
        reviewer = factory.Trait(role=Membership.Role.REVIEWER)
        manager = factory.Trait(role=Membership.Role.MANAGER)


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    project = factory.SubFactory(ProjectFactory)
    title = factory.LazyAttribute(lambda d: d.text.split("\n")[0][:500])
    text = SEED


class AnnotationLayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnotationLayer

    document = factory.SubFactory(DocumentFactory)
    owner = factory.SubFactory(UserFactory)
    kind = AnnotationLayer.Kind.ANNOTATOR

    class Params:
        gold = factory.Trait(owner=None, kind=AnnotationLayer.Kind.GOLD, name="gold")


LayerFactory = AnnotationLayerFactory


class SpanFactory(factory.django.DjangoModelFactory):
    """Default: PERS over «حموشي» (the last word of SEED)."""

    class Meta:
        model = Span

    layer = factory.SubFactory(AnnotationLayerFactory)
    start = 43
    end = 48
    entity_type = factory.SubFactory(
        EntityTypeFactory, schema=factory.SelfAttribute("..layer.document.project.schema")
    )
    event_type = None
    text = factory.LazyAttribute(lambda s: s.layer.document.text[s.start : s.end])

    class Params:
        whole_name = factory.Trait(start=32, end=48)  # عبد اللطيف حموشي
        trigger = factory.Trait(
            start=0,
            end=5,
            entity_type=None,
            event_type=factory.SubFactory(
                EventTypeFactory, schema=factory.SelfAttribute("..layer.document.project.schema")
            ),
        )


class EventFactory(factory.django.DjangoModelFactory):
    """Default: CONTACT_MEET triggered by «التقى»."""

    class Meta:
        model = Event

    layer = factory.SubFactory(AnnotationLayerFactory)
    trigger = factory.SubFactory(SpanFactory, layer=factory.SelfAttribute("..layer"), trigger=True)
    event_type = factory.SelfAttribute("trigger.event_type")


class ArgumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Argument

    event = factory.SubFactory(EventFactory)
    role = factory.SubFactory(
        RoleTypeFactory, event_type=factory.SelfAttribute("..event.event_type")
    )
    span = factory.SubFactory(SpanFactory, layer=factory.SelfAttribute("..event.layer"))


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    layer = factory.SubFactory(AnnotationLayerFactory)
    author = factory.SubFactory(UserFactory)
    text = "يرجى مراجعة حدود الاسم"


class ChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Change

    layer = factory.SubFactory(AnnotationLayerFactory)
    document = factory.SelfAttribute("layer.document")
    user = factory.SubFactory(UserFactory)
    action = "span.add"
    after = factory.Dict({"spans": [], "events": [], "arguments": []})


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "review.Decision"

    document = factory.SubFactory(DocumentFactory)
    kind = "rejected"
    group = "g:entity:43:48:0123456789"
    by = factory.SubFactory(UserFactory)


class TransitionFactory(ChangeFactory):
    """A layer status change, as services.set_layer_status records it."""

    class Meta:
        model = "review.Transition"

    action = "layer.status"
    before = factory.Dict({"status": "in_progress"})
    after = factory.Dict({"status": "done"})


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    kind = Job.Kind.EXPORT
    title = "news-gold.jsonl"

    class Params:
        running = factory.Trait(status=Job.Status.RUNNING, started_at=factory.LazyFunction(now))
        done = factory.Trait(status=Job.Status.DONE, message="3 records exported.")


# --- the Arabic tools (issue 13) ---------------------------------------------------------


class GazetteerEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "arabic.GazetteerEntry"

    project = factory.SubFactory(ProjectFactory)
    text = "حموشي"
    entity_type = factory.SubFactory(
        EntityTypeFactory, schema=factory.SelfAttribute("..project.schema")
    )
    source = "admin"


class GazetteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "arabic.Gazetteer"

    project = factory.SubFactory(ProjectFactory)


class RejectedSuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "arabic.RejectedSuggestion"

    layer = factory.SubFactory(AnnotationLayerFactory)
    start, end = 0, 5
    entity_type = factory.SubFactory(
        EntityTypeFactory, schema=factory.SelfAttribute("..layer.document.project.schema")
    )


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.Assignment"

    document = factory.SubFactory(DocumentFactory)
    annotator = factory.SubFactory(UserFactory)
