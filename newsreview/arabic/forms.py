"""Forms of the Arabic tools: they only clean input; the rules live in the services."""

from __future__ import annotations

from django import forms

MAX_ID = 2**62
SCOPES = [("document", "document"), ("project", "project")]


class MentionsForm(forms.Form):
    """Label the checked mentions of a span (`mention` values are `document:start:end`)."""

    version = forms.IntegerField(min_value=0, max_value=MAX_ID)
    span = forms.IntegerField(min_value=1, max_value=MAX_ID)
    scope = forms.ChoiceField(choices=SCOPES, required=False)
    mention = forms.MultipleChoiceField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Any value passes here: mentions.parse_keys and label_mentions check each one.
        self.fields["mention"].valid_value = lambda value: True
