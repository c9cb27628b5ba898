"""Forms of the document list's assignment tools (issue 11): they only clean input; the
services in `projects.assignments` check and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from newsreview.projects.models import Project

from .models import Document


def _members(project: Project) -> Any:
    return (
        get_user_model()
        .objects.filter(memberships__project=project, is_active=True)
        .order_by("username")
    )


class AssignmentForm(forms.Form):
    action = forms.ChoiceField(choices=[("assign", _("Assign")), ("unassign", _("Unassign"))])
    documents = forms.ModelMultipleChoiceField(
        queryset=Document.objects.none(),
        error_messages={"required": _("Select at least one document.")},
    )
    annotators = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        error_messages={"required": _("Choose at least one annotator.")},
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Another project's document or a stranger is "not a valid choice" here.
        self.fields["documents"].queryset = Document.objects.filter(project=project).only("pk")
        self.fields["annotators"].queryset = _members(project)


class AutoAssignForm(forms.Form):
    per_document = forms.IntegerField(min_value=1, max_value=50, label=_("Annotators per document"))
    annotators = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(), required=False
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["annotators"].queryset = _members(project)


def error_text(form: forms.Form) -> str:
    """The form's first error, for the message region."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        text = str(errors[0])
        return f"{label}: {text}" if label else text
    return str(_("Check the form."))
