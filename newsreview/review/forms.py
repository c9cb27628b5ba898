"""Forms of the curation page: they only clean input; the rules live in services.py."""

from __future__ import annotations

from django import forms

from newsreview.annotations.forms import MAX_ID, VersionForm


class CandidateForm(VersionForm):
    candidate = forms.CharField(max_length=300)


class GroupForm(VersionForm):
    group = forms.CharField(max_length=200)


class ReopenForm(forms.Form):
    comment = forms.CharField(max_length=10_000, required=False)


class ChangesForm(forms.Form):
    layer = forms.IntegerField(min_value=1, max_value=MAX_ID)
    comment = forms.CharField(max_length=10_000, strip=True)


class CommentForm(forms.Form):
    layer = forms.IntegerField(min_value=1, max_value=MAX_ID)
    span = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    text = forms.CharField(max_length=10_000, strip=True)
    # Where to go back to (the workspace or the curation page), checked in the view.
    next = forms.ChoiceField(choices=[("review", "review"), ("annotate", "annotate")])
