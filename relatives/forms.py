from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lotsa.forms import DateInput
from relatives.models import ConversationForm, RelationKind
from relatives.services import EMPTY_CONVERSATION


class RelationForm(forms.Form):
    prefix = "relation"

    kind = forms.ChoiceField(label=_("Relation to the person concerned"), choices=RelationKind.choices)
    concerned_name = forms.CharField(label=_("The person concerned"), max_length=200)
    concerned_number = forms.CharField(
        label=_("Their personal identity number, if known"), max_length=20, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class ConversationRecordForm(forms.Form):
    prefix = "conversation"

    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    form = forms.ChoiceField(label=_("Form"), choices=ConversationForm.choices)
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": EMPTY_CONVERSATION},
    )
    follow_up_on = forms.DateField(label=_("Planned follow-up"), widget=DateInput, required=False)
