"""The export page's form: format, layer, statuses, and each format's own options, read
from the same `add_arguments` the command uses (so a format's flags appear on the page
without the page knowing them)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsreview.annotations.models import AnnotationLayer
from newsreview.projects.models import Project

from . import registry
from .records import layer_choices


@dataclass(frozen=True)
class OptionField:
    """One format flag as a form control: checkbox, select or text."""

    name: str  # query parameter: "<format>--<dest>"
    dest: str
    flag: str
    help: str
    widget: str  # "checkbox", "select", "text"
    choices: tuple[str, ...] = ()
    default: str = ""


def option_fields(export_format: registry.ExportFormat) -> list[OptionField]:
    fields = []
    for action in export_format.parser()._actions:
        if not action.option_strings or action.dest.endswith("_out"):
            continue  # paths of side files: the page offers them as separate downloads
        flag = max(action.option_strings, key=len)
        name = f"{export_format.key}--{action.dest}"
        if isinstance(action, argparse._StoreTrueAction):
            widget, choices = "checkbox", ()
        elif action.choices:
            widget, choices = "select", tuple(str(c) for c in action.choices)
        else:
            widget, choices = "text", ()
        default = "" if action.default in (None, False) else str(action.default)
        fields.append(
            OptionField(name, action.dest, flag, _(action.help or ""), widget, choices, default)
        )
    return fields


def parse_options(export_format: registry.ExportFormat, data: QueryDict) -> dict[str, Any]:
    """The format's options from the query, through its own argparse parser."""
    argv: list[str] = []
    for field in option_fields(export_format):
        value = data.get(field.name, "")
        if field.widget == "checkbox":
            if value:
                argv.append(field.flag)
        elif value != "":
            argv += [field.flag, value]
    try:
        parsed = export_format.parser().parse_args(argv)
    except (argparse.ArgumentError, SystemExit) as error:
        raise forms.ValidationError(
            _("Invalid option for %(format)s: %(error)s")
            % {"format": export_format.key, "error": error}
        ) from None
    return vars(parsed)


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=gettext_lazy("Format"))
    layer = forms.ChoiceField(label=gettext_lazy("Layer"), initial="gold")
    status = forms.MultipleChoiceField(
        label=gettext_lazy("Only layers with status"),
        choices=AnnotationLayer.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every status."),
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.formats = registry.formats()
        self.fields["format"].choices = [(k, f.label) for k, f in self.formats.items()]
        self.fields["layer"].choices = [
            ("gold", _("Gold")),
            *[(name, name) for name in layer_choices(project)],
            ("all", _("All layers, each as its own record")),
        ]
        self.options: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        key = cleaned.get("format")
        if key:
            cleaned["export_format"] = self.formats[key]
            try:
                self.options = parse_options(self.formats[key], self.data)
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned
