"""Checking a parsed batch against the project before any of it is written.

The rules are those of `annotations.services` (a label of the project's schema, an entity
type key first then an event type key as in `resolve_label`; offsets checked by the same
`check_offsets`; no exact duplicate in a layer; the text the file carries equals the
document's slice; a role of the event type, filled by an allowed entity type, at most
once unless it may repeat). Checks run on plain dicts and tuples: a few queries per chunk
of 2,000 documents (project_checks.py), whatever the size of the documents. The plan of
what passed is in plans.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.events import attribute_problem
from newsreview.annotations.models import GOLD, AnnotationLayer
from newsreview.annotations.services import check_offsets
from newsreview.documents.models import Document
from newsreview.documents.services import DocumentError, build_document
from newsreview.projects.models import Project

from .parsed import ParsedDocument, ParsedLayer, ParseResult, Problem
from .plans import PlannedDocument, PlannedLayer, Schema
from .project_checks import ProjectChecks
from .results import ImportOptions, ImportResult, Progress, default_layer_name

EXTERNAL_ID_MAX = Document._meta.get_field("external_id").max_length
LAYER_NAME_MAX = AnnotationLayer._meta.get_field("name").max_length
COMMENT_MAX = 10_000
STATUSES = frozenset(AnnotationLayer.Status.values)
ANNOTATOR = AnnotationLayer.Kind.ANNOTATOR.value
GOLD_KIND = AnnotationLayer.Kind.GOLD.value
PRE = AnnotationLayer.Kind.PREANNOTATION.value
NEW = AnnotationLayer.Status.NEW.value
IN_PROGRESS = AnnotationLayer.Status.IN_PROGRESS.value
# Documents checked, then written, at a time (memory stays bounded for big corpora).
# 2,000 rather than 1,000: half the round trips and COPY statements per import, 10 %
# faster (bench/bench_import.py, the two alternated: 2.83 s against 3.13 s for 10,000
# documents) for 15 MB more; 4,000 gained nothing more.
CHUNK_DOCUMENTS = 2000


class Validator(ProjectChecks):
    """Checks every document of a parsed batch, recording each problem in `result`, and
    returns the plan; an import writes it chunk by chunk (services._check_and_write)."""

    def __init__(
        self,
        *,
        project: Project,
        parsed: ParseResult,
        options: ImportOptions,
        result: ImportResult,
        progress: Progress | None,
        by: User | None = None,
    ) -> None:
        self.project = project
        # From the upload page (a manager, not a superuser) a file may only name the
        # project's members: it must not put work under anyone else's name, nor create
        # accounts. The command line (by=None) and superusers restore whole exports.
        self.members_only = by is not None and not by.is_superuser
        self.parsed = parsed
        self.options = options
        self.result = result
        self.progress = progress
        self.schema = Schema.of(project)
        self.planned: list[PlannedDocument] = []
        self.usernames: set[str] = set()
        # Where each user name is first named, for the members-only check.
        self.named_at: dict[str, tuple[str, str, str]] = {}
        self.first_seen: dict[str, PlannedDocument] = {}  # by document id (external_id)
        self.checked = 0  # documents checked so far
        self.users_checked: set[str] = set()

    def run(self) -> list[PlannedDocument]:
        """Check the whole batch; the plan of every document that passed."""
        total = len(self.parsed.documents)
        for chunk in self.chunks():
            self.check_chunk(chunk)
            if self.progress:
                self.progress("validate", self.checked, total)
        self.finish()
        return self.planned

    def chunks(self, size: int | None = None) -> Iterator[list[PlannedDocument]]:
        """The plans of the batch's documents, `size` at a time, checked on their own;
        `check_chunk` then checks each against the batch and the project (queries), and
        `finish` the batch as a whole. An import writes each chunk as it comes, unless
        some problem was found (services.import_files)."""
        size = size or CHUNK_DOCUMENTS
        if self.options.annotator:
            self.usernames.add(self.options.annotator)
        chunk: list[PlannedDocument] = []
        for parsed in self.parsed.documents:
            self.checked += 1
            planned = self.document(parsed)
            if planned is None:
                continue
            self.planned.append(planned)
            chunk.append(planned)
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def check_chunk(self, chunk: list[PlannedDocument]) -> None:
        """The checks of `chunk` against the rest of the batch and the project."""
        self.check_external_ids(chunk)
        self.check_same_texts(chunk)
        self.check_users()

    def finish(self) -> None:
        """The checks of the batch as a whole, once every chunk is checked."""
        if self.options.annotator:
            self.usernames.add(self.options.annotator)  # even without any document
        self.check_users()

    # documents

    def document(self, parsed: ParsedDocument) -> PlannedDocument | None:
        published = None
        if parsed.published_on:
            published = date.fromisoformat(parsed.published_on)
        if len(parsed.external_id) > EXTERNAL_ID_MAX:
            self.error(
                parsed.file,
                parsed.where,
                "id",
                _("the document id is longer than %(n)s characters") % {"n": EXTERNAL_ID_MAX},
            )
            return None
        if parsed.language and len(parsed.language) > 16:
            self.error(parsed.file, parsed.where, "language", _("not a language code"))
            return None
        if len(parsed.source_url) > 2000:
            self.error(parsed.file, parsed.where, "source_url", _("longer than 2000 characters"))
            return None
        try:
            document = build_document(
                project=self.project,
                text=parsed.text,
                title=parsed.title,
                language=parsed.language,
                direction=parsed.direction,
                source_url=parsed.source_url,
                published_on=published,
                external_id=parsed.external_id,
                metadata=parsed.metadata,
            )
        except DocumentError as error:
            self.error(parsed.file, parsed.where, "text", error.message)
            return None
        layers = []
        seen: dict[tuple[str, str], str] = {}
        for parsed_layer in parsed.layers:
            layer = self.layer(parsed, parsed_layer, document.text)
            if layer is None:
                continue
            identity = (layer.kind, layer.owner or layer.name)
            if identity in seen:
                self.error(
                    parsed.file,
                    parsed_layer.where,
                    "layer",
                    _("the layer “%(layer)s” of document “%(doc)s” appears twice (also %(other)s)")
                    % {
                        "layer": identity[1],
                        "doc": parsed.external_id or parsed.where,
                        "other": seen[identity],
                    },
                )
                continue
            seen[identity] = parsed_layer.where
            layers.append(layer)
        return PlannedDocument(
            document=document, layers=layers, source=parsed.file, where=parsed.where
        )

    # layers

    def target(self, parsed: ParsedLayer) -> tuple[str, str, str | None]:
        """(kind, name, owner) of a layer, from the file or from the user's choice."""
        if self.options.annotator:
            return ANNOTATOR, "", self.options.annotator
        if self.options.layer:
            kind = GOLD_KIND if self.options.layer == GOLD else PRE
            return kind, self.options.layer, None
        if parsed.kind is not None:
            return parsed.kind, parsed.name, parsed.annotator
        return PRE, default_layer_name(self.parsed.format), None

    def layer(
        self, document: ParsedDocument, parsed: ParsedLayer, text: str
    ) -> PlannedLayer | None:
        if parsed.kind is None and not (parsed.spans or parsed.comments):
            return None  # a document without annotations needs no layer
        kind, name, owner = self.target(parsed)
        status = parsed.status
        if status is None:
            status = IN_PROGRESS if parsed.spans else NEW
        if status not in STATUSES:
            self.error(
                document.file, parsed.where, "status", _("unknown status “%(s)s”") % {"s": status}
            )
            return None
        if len(name) > LAYER_NAME_MAX:
            self.error(
                document.file,
                parsed.where,
                "layer",
                _("a layer name is limited to %(n)s characters") % {"n": LAYER_NAME_MAX},
            )
            return None
        if owner:
            if not self.valid_username(document.file, parsed.where, "annotator", owner):
                return None
            self.usernames.add(owner)
            self.named_at.setdefault(owner, (document.file, parsed.where, "annotator"))
        file = document.file
        spans: list[tuple[str, int, int, int | None, int | None]] = []
        by_key: dict[str, tuple[int, int, int | None, int | None]] = {}
        seen: set[tuple[int, int, int | None, int | None]] = set()
        entities, events = self.schema.entities, self.schema.events
        length = len(text)
        for span in parsed.spans:
            entity_id = entities.get(span.label)
            event_id = None if entity_id is not None else events.get(span.label)
            if entity_id is None and event_id is None:
                self.error(
                    file,
                    span.where,
                    span.field,
                    _("There is no label “%(key)s” in this project's schema.")
                    % {"key": span.label},
                )
                continue
            start, end = span.start, span.end
            # The cheap test accepts exactly what check_offsets accepts; anything else
            # goes through it for the same message as the annotation services give.
            if not (
                type(start) is int
                and type(end) is int
                and 0 <= start < end <= length
                and not text[start:end].isspace()
            ):
                try:
                    check_offsets(text, start, end)
                except AnnotationError as error:
                    self.error(file, span.where, span.field, error.message)
                    continue
            if span.text is not None and text[start:end] != span.text:
                covered = text[start:end]
                # brat's .ann line cannot hold a line end or a tab: a space stands for it.
                one_line = covered.replace("\n", " ").replace("\t", " ")
                if not (self.parsed.format == "brat" and one_line == span.text):
                    self.error(
                        file,
                        span.where,
                        span.field,
                        _(
                            "the span text “%(given)s” differs from the document's "
                            "“%(actual)s” at [%(start)s, %(end)s)"
                        )
                        % {"given": span.text, "actual": covered, "start": start, "end": end},
                    )
                    continue
            identity = (start, end, entity_id, event_id)
            if identity in seen:
                self.error(
                    file,
                    span.where,
                    span.field,
                    _("This text already has the label “%(key)s”.") % {"key": span.label},
                )
                continue
            if span.key in by_key:
                self.error(
                    file,
                    span.where,
                    span.field,
                    _("the span id “%(id)s” is used twice") % {"id": span.key},
                )
                continue
            seen.add(identity)
            by_key[span.key] = identity
            spans.append((span.key, start, end, entity_id, event_id))
        arguments = self.arguments(file, parsed, by_key)
        comments = self.comments(file, parsed, by_key)
        return PlannedLayer(
            kind=kind,
            name=name,
            owner=owner,
            status=status,
            spans=spans,
            arguments=arguments,
            attributes=self.attributes(file, parsed, by_key),
            comments=comments,
            origins={s.key: s.origin for s in parsed.spans if s.origin and s.key in by_key},
        )

    def arguments(
        self,
        file: str,
        parsed: ParsedLayer,
        by_key: dict[str, tuple[int, int, int | None, int | None]],
    ) -> list[tuple[str, str, int]]:
        arguments: list[tuple[str, str, int]] = []
        filled: Counter = Counter()
        seen: set[tuple[str, str, int]] = set()
        for relation in parsed.relations:
            trigger, entity = by_key.get(relation.source), by_key.get(relation.target)
            if trigger is None or entity is None:
                missing = relation.source if trigger is None else relation.target
                if not any(s.key == missing for s in parsed.spans):
                    self.error(
                        file,
                        relation.where,
                        relation.field,
                        _("refers to “%(id)s”, which is not a span of this record")
                        % {"id": missing},
                    )
                continue  # otherwise the span itself was refused and reported
            event_type_id = trigger[3]
            if event_type_id is None:
                self.result.warnings.append(
                    Problem(
                        file,
                        relation.where,
                        _(
                            "a relation from an entity (not an event trigger) is not "
                            "imported: newsreview has event arguments only"
                        ),
                        relation.field,
                    )
                )
                continue
            event_key = self.schema.event_keys[event_type_id]
            if entity[2] is None:
                self.error(
                    file,
                    relation.where,
                    relation.field,
                    _("An argument must be an entity, not a trigger."),
                )
                continue
            role = self.schema.roles.get((event_type_id, relation.role))
            if role is None:
                self.error(
                    file,
                    relation.where,
                    relation.field,
                    _("The event “%(type)s” has no role “%(role)s”.")
                    % {"type": event_key, "role": relation.role},
                )
                continue
            role_id, allowed, multiple = role
            if allowed and entity[2] not in allowed:
                self.error(
                    file,
                    relation.where,
                    relation.field,
                    _("The role “%(role)s” accepts %(allowed)s, not “%(key)s”.")
                    % {
                        "role": relation.role,
                        "allowed": ", ".join(sorted(self.schema.entity_keys[i] for i in allowed)),
                        "key": self.schema.entity_keys[entity[2]],
                    },
                )
                continue
            argument = (relation.source, relation.target, role_id)
            if argument in seen:
                self.error(
                    file, relation.where, relation.field, _("This argument is already linked.")
                )
                continue
            if not multiple and filled[(relation.source, role_id)]:
                self.error(
                    file,
                    relation.where,
                    relation.field,
                    _("The role “%(role)s” takes one argument and already has one.")
                    % {"role": relation.role},
                )
                continue
            seen.add(argument)
            filled[(relation.source, role_id)] += 1
            arguments.append(argument)
        return arguments

    def attributes(
        self, file: str, parsed: ParsedLayer, by_key: dict[str, Any]
    ) -> dict[str, dict[str, Any]]:
        """Event attributes as the schema defines them (issue 12): an unknown attribute or
        value is an error at its line and field, as the annotation services refuse it."""
        checked: dict[str, dict[str, Any]] = {}
        for key, attributes in parsed.attributes.items():
            if key not in by_key:
                continue  # its span was refused and reported
            for name, value in attributes.items():
                problem = attribute_problem(self.schema.attributes, name, value)
                if problem:
                    where, field = parsed.attribute_where.get((key, name), (parsed.where, ""))
                    self.error(file, where, field, problem)
                    continue
                checked.setdefault(key, {})[name] = (
                    value.strip() if isinstance(value, str) else value
                )
        return checked

    def comments(
        self, file: str, parsed: ParsedLayer, by_key: dict[str, Any]
    ) -> list[tuple[str, str | None, str | None, datetime | None]]:
        comments = []
        for comment in parsed.comments:
            text = comment.text.strip()
            if not text:
                self.error(file, comment.where, comment.field, _("A comment cannot be empty."))
                continue
            if len(text) > COMMENT_MAX:
                self.error(
                    file,
                    comment.where,
                    comment.field,
                    _("A comment is limited to 10,000 characters."),
                )
                continue
            if comment.span is not None and comment.span not in by_key:
                self.error(
                    file,
                    comment.where,
                    comment.field,
                    _("refers to “%(id)s”, which is not a span of this record")
                    % {"id": comment.span},
                )
                continue
            created_at = None
            if comment.created_at:
                try:
                    created_at = datetime.fromisoformat(comment.created_at)
                except ValueError:
                    self.error(
                        file,
                        comment.where,
                        f"{comment.field}.created_at",
                        _("“%(v)s” is not an ISO 8601 time") % {"v": comment.created_at},
                    )
                    continue
                if created_at.tzinfo is None:
                    created_at = created_at.replace(tzinfo=UTC)
            if comment.author:
                if not self.valid_username(
                    file, comment.where, f"{comment.field}.author", comment.author
                ):
                    continue
                self.usernames.add(comment.author)
                self.named_at.setdefault(
                    comment.author, (file, comment.where, f"{comment.field}.author")
                )
            comments.append((text, comment.author, comment.span, created_at))
        return comments
