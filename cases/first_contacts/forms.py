from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind
from cases.first_contacts.models import ContactOutcome, Referrer
from cases.forms import OpenCaseForm, PersonalNumberField
from lotsa import forms as id_fields
from lotsa.forms import DateInput

YES_NO_UNKNOWN = [("", _("Not known")), ("true", _("Yes")), ("false", _("No"))]


class FirstContactForm(OpenCaseForm):
    """A request for a first contact: the person, who flagged them and when, the milieu (unclear is an
    answer), and whether they have minor children."""

    referrer = forms.ChoiceField(label=_("Flagged by"), choices=Referrer.choices)
    referrer_detail = forms.CharField(label=_("Which unit or service"), max_length=200, required=False)
    flagged_on = forms.DateField(label=_("Flagged on"), widget=DateInput)
    has_minor_children = forms.TypedChoiceField(
        label=_("Has minor children"),
        choices=YES_NO_UNKNOWN,
        required=False,
        coerce=lambda value: value == "true",
        empty_value=None,
        help_text=_("The first contact is for adults without children."),
    )
    children_reason = forms.CharField(
        label=_("If the person has children: why the team goes on"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["activity"], self.fields["target_group"]


class FirstContactMeetingForm(forms.Form):
    prefix = "meeting"

    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    vbe_participants = forms.CharField(label=_("From the VBE team"), max_length=400)
    police_participants = forms.CharField(label=_("From the police"), max_length=400)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactOutcome.choices)
    attempts = forms.IntegerField(
        label=_("Attempts to reach the person"), min_value=1, max_value=50, initial=1
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )


class ConcernReportForm(forms.Form):
    prefix = "concern"

    to_unit = id_fields.ModelChoiceField(label=_("Responsible district"), queryset=None)
    child_number = PersonalNumberField(label=_("The child's personal identity number"))
    child_given_names = forms.CharField(label=_("The child's given names"), max_length=200)
    child_surname = forms.CharField(label=_("The child's surname"), max_length=200)
    reported_by_police = forms.CharField(label=_("Reported by (police)"), max_length=200)
    reported_on = forms.DateField(label=_("Reported on"), widget=DateInput)
    concern = forms.CharField(
        label=_("The concern"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.DISTRICT_ADMINISTRATION, is_active=True
        )


class ConcernAssessForm(forms.Form):
    decision = id_fields.button_choice(
        [("open_case", _("Open the child's own case")), ("no_action", _("No further action"))]
    )
    note = forms.CharField(
        label=_("The assessment (required when no further action follows)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )


class ConcernProtectionForm(forms.Form):
    decision = id_fields.button_choice(
        [
            ("immediate", _("The child needs immediate protection")),
            ("not_immediate", _("No need of immediate protection")),
        ]
    )
