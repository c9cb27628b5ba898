"""The upload form: a file, its format (or a guess) and the layer that gets the spans."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from newsreview.accounts.models import User
from newsreview.projects.models import Project

from .formats import FORMAT_NAMES
from .formats.doccano import DEFAULT_OFFSET_UNIT

FORMAT_LABELS = {
    "txt": _("Plain text (.txt, one document per file; a .zip of them)"),
    "jsonl": _("JSON Lines (title, text, metadata)"),
    "newsreview": _("newsreview JSON Lines (lossless export)"),
    "doccano": _("doccano JSONL"),
    "labelstudio": _("Label Studio JSON"),
    "brat": _("brat standoff (.zip of .txt + .ann)"),
    "conll": _("CoNLL IOB2"),
}
OFFSET_UNIT_LABELS = [
    ("utf16", _("UTF-16 code units (doccano's default)")),
    ("graphemes", _("Grapheme clusters")),
    ("codepoints", _("Unicode code points")),
]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Guess from the file"))] + [(f, FORMAT_LABELS[f]) for f in FORMAT_NAMES],
    )
    offset_unit = forms.ChoiceField(
        label=_("doccano offsets count"),
        required=False,
        choices=OFFSET_UNIT_LABELS,
        initial=DEFAULT_OFFSET_UNIT,
        help_text=_(
            "doccano files only. A doccano project made with “Use graphemes” (“Count "
            "grapheme clusters as one character”) on stores grapheme clusters; files made "
            "by other tools may count code points."
        ),
    )
    layer = forms.CharField(
        label=_("Pre-annotation layer"),
        required=False,
        max_length=150,
        help_text=_(
            "Where spans from doccano, Label Studio, brat or CoNLL go. Empty: "
            "“import-FORMAT”; “gold” for the gold layer. newsreview JSON keeps its layers."
        ),
    )
    annotator = forms.ModelChoiceField(
        label=_("…or this annotator's layer"),
        required=False,
        queryset=User.objects.none(),
        to_field_name="username",
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["annotator"].queryset = User.objects.filter(
            memberships__project=project, is_active=True
        ).order_by("username")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("layer", "").strip() and cleaned.get("annotator"):
            raise forms.ValidationError(_("Choose a layer name or an annotator, not both."))
        return cleaned
