from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind
from cases.personal_number import PersonalNumberField
from cases.words import ProtectedIdentity
from defectors import catalogue
from defectors.models import InterventionStatus, ProgrammeOutcome
from lotsa import forms as id_fields
from lotsa.forms import DateInput
from lotsa.vocabulary import ThreatLevel

YES_NO_UNKNOWN = [("", _("Not known")), ("true", _("Yes")), ("false", _("No"))]


def _yes_no(label):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO_UNKNOWN,
        required=False,
        coerce=lambda value: value == "true",
        empty_value=None,
    )


class BopsAssessmentForm(forms.Form):
    level = forms.ChoiceField(label=_("Threat level"), choices=ThreatLevel.choices)
    special_protection_need = forms.BooleanField(label=_("Special protection need"), required=False)
    assessed_on = forms.DateField(
        label=_("Assessed on"),
        widget=DateInput,
        required=False,
        initial=timezone.localdate,
        help_text=_("The day the assessment was made, not the day it is recorded. Today if left empty."),
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    reassessment_due = forms.DateField(
        label=_("Re-assessment due"),
        widget=DateInput,
        required=False,
        help_text=_("Three months from the assessment if left empty."),
    )


class ConditionsForm(forms.Form):
    prefix = "conditions"

    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput)
    witness = forms.CharField(label=_("Who witnessed the signature"), max_length=200)
    scan = forms.FileField(
        label=_("Scan of the signed form (PDF, JPEG or PNG; optional)"),
        required=False,
        help_text=_("Kept encrypted. Keep it only if the programme needs it."),
    )

    def clean_scan(self):
        upload = self.cleaned_data.get("scan")
        if upload and upload.size > settings.LOTSA_SCAN_MAX_BYTES:
            raise forms.ValidationError(
                _("The scan is too large: at most %(mb)d MB.")
                % {"mb": settings.LOTSA_SCAN_MAX_BYTES // 2**20}
            )
        return upload


class DecisionForm(forms.Form):
    prefix = "decision"

    section = forms.ChoiceField(label=_("Under the section"), choices=catalogue.section_choices)
    text = forms.CharField(label=_("The decision"), widget=forms.Textarea(attrs={"rows": 4}), max_length=8000)


class DecisionReviewForm(forms.Form):
    decision = id_fields.button_choice([("approve", _("Approve")), ("refuse", _("Send back"))])
    note = forms.CharField(
        label=_("Note (required when you send it back)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class InterventionForm(forms.Form):
    prefix = "intervention"

    kind = forms.ChoiceField(label=_("Intervention"), choices=catalogue.intervention_choices)
    section = forms.ChoiceField(label=_("Under the section"), choices=catalogue.section_choices)
    provider = forms.CharField(label=_("Provider"), max_length=200, required=False)
    starts_on = forms.DateField(label=_("Start"), widget=DateInput)
    planned_end = forms.DateField(label=_("Planned end"), widget=DateInput, required=False)


class InterventionUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=InterventionStatus.choices)
    follow_up = forms.CharField(
        label=_("Follow-up notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class PlacementForm(forms.Form):
    prefix = "placement"

    street = forms.CharField(label=_("Street address"), max_length=200)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    town = forms.CharField(label=_("Town"), max_length=100)
    protected_housing = forms.BooleanField(label=_("Protected housing"), required=False)
    outside_stockholm = forms.BooleanField(label=_("Outside Stockholm"), required=False)
    private_programme = id_fields.ModelChoiceField(
        label=_("Private defector programme (for a placement through one)"), queryset=None, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["private_programme"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.PRIVATE_DEFECTOR_PROGRAMME, is_active=True
        )


class ProtectForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Protected-identity level"),
        choices=[c for c in ProtectedIdentity.choices if c[0] != ProtectedIdentity.NONE],
    )


class CloseForm(forms.Form):
    prefix = "close"

    outcome = forms.ChoiceField(label=_("Outcome"), choices=ProgrammeOutcome.choices)
    text = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class FollowUpForm(forms.Form):
    in_work_or_education = _yes_no(_("In work or education"))
    stable_housing = _yes_no(_("In stable housing"))
    back_in_milieu = _yes_no(_("Back in the milieu"))
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )


class PoliceRequestForm(forms.Form):
    """BOPS or the police defector programme ask the programme to take a person on."""

    to_unit = id_fields.ModelChoiceField(label=_("Defector programme"), queryset=None)
    personal_number = PersonalNumberField()
    given_names = forms.CharField(label=_("Given names"), max_length=200)
    surname = forms.CharField(label=_("Surname"), max_length=200)
    note = forms.CharField(
        label=_("Why the programme is needed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text=_("The threat and protection need as you assess them, and what is urgent."),
    )
    agreed = forms.BooleanField(
        label=_("The person has agreed that the programme contacts them"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.DEFECTOR_PROGRAMME, is_active=True
        )
