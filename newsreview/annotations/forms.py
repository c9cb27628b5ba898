"""Forms of the annotation workspace: they only clean input (whole numbers, known choices);
the rules live in services.py and the offsets arithmetic in offsets.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .offsets import grapheme_step

# Every state-changing form carries the layer version the page showed (optimistic locking).
MAX_ID = 2**62


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=0, max_value=MAX_ID)


class SpanCreateForm(VersionForm):
    start = forms.IntegerField(min_value=0, max_value=MAX_ID)
    end = forms.IntegerField(min_value=0, max_value=MAX_ID)
    # What the annotator saw: compared with the stored text, never stored as such.
    text = forms.CharField(strip=False, max_length=1_000_000)
    label = forms.CharField(max_length=64)
    unit = forms.ChoiceField(
        choices=[("codepoint", "codepoint"), ("utf16", "utf16")], required=False
    )


class SpanForm(VersionForm):
    span = forms.IntegerField(min_value=1, max_value=MAX_ID)


EDGES = {
    "start-": ("start", -1),
    "start+": ("start", +1),
    "end-": ("end", -1),
    "end+": ("end", +1),
}


class SpanUpdateForm(SpanForm):
    label = forms.CharField(max_length=64, required=False)
    edge = forms.ChoiceField(choices=[(k, k) for k in EDGES], required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("label") and not data.get("edge"):
            raise forms.ValidationError(_("Choose a new label or an edge to move."))
        return data


class ArgumentCreateForm(VersionForm):
    trigger = forms.IntegerField(min_value=1, max_value=MAX_ID)
    role = forms.CharField(max_length=64)
    span = forms.IntegerField(min_value=1, max_value=MAX_ID)
    # Sent from the event frame (issue 12): the answer keeps the frame, no picker dialog.
    frame = forms.BooleanField(required=False)


class ArgumentDeleteForm(VersionForm):
    argument = forms.IntegerField(min_value=1, max_value=MAX_ID)
    frame = forms.BooleanField(required=False)


class ArgumentRoleForm(VersionForm):
    argument = forms.IntegerField(min_value=1, max_value=MAX_ID)
    role = forms.CharField(max_length=64)


class EventAttributeForm(VersionForm):
    """Set (or, with no value, clear) one attribute of the event `trigger` starts."""

    trigger = forms.IntegerField(min_value=1, max_value=MAX_ID)
    name = forms.CharField(max_length=64)
    value = forms.CharField(max_length=1_000, required=False, strip=False)


class StatusForm(VersionForm):
    status = forms.ChoiceField(choices=[("done", "done"), ("in_progress", "in_progress")])


def move_edge(text: str, start: int, end: int, edge: str) -> tuple[int, int]:
    """Move one edge of `[start, end)` by one character as a reader sees it: a grapheme
    cluster (a letter with its marks, a flag, an emoji with its modifier or ZWJ sequence),
    so an edge never splits one. White space is stepped over, never left at an edge: a
    span never starts or ends with it, as at creation (views.span_create)."""
    side, step = EDGES[edge]
    position = start if side == "start" else end
    # The character that would sit just inside the moved edge.
    inside = (lambda p: p) if side == "start" else (lambda p: p - 1)
    position = grapheme_step(text, position, step)
    while 0 < position < len(text) and text[inside(position)].isspace():
        position = grapheme_step(text, position, step)
    if 0 <= inside(position) < len(text) and text[inside(position)].isspace():
        # Only white space lies between here and the end of the text: no edge to move to.
        return start, end
    return (position, end) if side == "start" else (start, position)


def error_message(form: forms.Form) -> str:
    """One line naming each refused field, for the #problems region."""
    parts = []
    for field, errors in form.errors.items():
        text = " ".join(str(e) for e in errors)
        parts.append(text if field == "__all__" else f"{field}: {text}")
    return " ".join(parts)
