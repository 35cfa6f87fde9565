from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import SOCIAL_SERVICES_KINDS, Organisation, OrganisationKind, User
from accounts.roles import CASEWORK_ROLES
from cases import personal_number as pnr
from cases.models import (
    HANDOVER_PURPOSES,
    Activity,
    CaseStatus,
    CloseReason,
    ContactOutcome,
    Milieu,
    ProtectedIdentity,
    Referrer,
    TargetGroup,
)
from lotsa import forms as id_fields
from lotsa.forms import DateInput
from lotsa.vocabulary import InformationCategory


class PersonalNumberField(forms.CharField):
    """Takes what people type; cleans to the twelve canonical digits, or a translated message."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Personal identity number"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("YYYYMMDD-NNNN, YYMMDD-NNNN, or YYMMDD+NNNN for people over 100."))
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return pnr.normalise(value)
        except pnr.InvalidPersonalNumber as error:
            raise forms.ValidationError(error.message, code="invalid") from None


class SearchForm(forms.Form):
    personal_number = PersonalNumberField()


class OpenCaseForm(forms.Form):
    personal_number = PersonalNumberField()
    given_names = forms.CharField(label=_("Given names"), max_length=200)
    surname = forms.CharField(label=_("Surname"), max_length=200)
    phone = forms.CharField(label=_("Telephone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    street = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    town = forms.CharField(label=_("Town"), max_length=100, required=False)
    protected_identity = forms.ChoiceField(
        label=_("Protected identity"), choices=ProtectedIdentity.choices, initial=ProtectedIdentity.NONE
    )
    activity = forms.ChoiceField(label=_("Activity"), choices=Activity.choices)
    target_group = forms.ChoiceField(
        label=_("Target group"),
        choices=[c for c in TargetGroup.choices if c[0] != TargetGroup.CHILD],
        initial=TargetGroup.PERSON_CONCERNED,
        required=False,
        help_text=_(
            "A relative, or a person harmed by violent extremism, is a client in their own right: their case "
            "is theirs, not an annex of anyone else's."
        ),
    )
    milieu = forms.ChoiceField(label=_("Milieu"), choices=Milieu.choices, initial=Milieu.UNCLEAR)

    def contact(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("phone", "email") if self.cleaned_data[k]}

    def address(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("street", "postcode", "town") if self.cleaned_data[k]}


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *CaseStatus.choices]
    )
    activity = forms.ChoiceField(
        label=_("Activity"), required=False, choices=[("", _("All activities")), *Activity.choices]
    )
    size = forms.TypedChoiceField(
        label=_("Per page"),
        required=False,
        coerce=int,
        empty_value=25,
        choices=[(25, "25"), (50, "50"), (100, "100")],
    )


class VersionForm(forms.Form):
    """The version of the case the page showed (optimistic locking); without it, nothing is changed."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value"), _("The form was incomplete. Nothing was changed.")
        ),
    )


class JournalEntryForm(forms.Form):
    category = forms.ChoiceField(label=_("Information category"), choices=InformationCategory.choices)
    text = forms.CharField(
        label=_("Entry"),
        widget=forms.Textarea(attrs={"rows": 5}),
        strip=True,
        error_messages={"required": _("Write something in the entry.")},
    )


class CloseCaseForm(VersionForm):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("Choose a reason")), *CloseReason.choices],
        error_messages={"required": _("Choose why the case is closed.")},
    )
    text = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == CloseReason.OTHER and not cleaned.get("text", "").strip():
            self.add_error("text", _("Describe the reason when you choose 'other reason'."))
        return cleaned


class CloseDecisionForm(VersionForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve: close the case")), ("refuse", _("Refuse: the case goes on"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Approve or refuse closing the case.")},
    )
    note = forms.CharField(label=_("Why refused"), required=False, max_length=500)


class ReassignForm(VersionForm):
    to_user = id_fields.ModelChoiceField(
        label=_("New responsible social worker"), queryset=User.objects.none()
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = (
            User.objects.filter(
                organisation_id=case.owner_unit_id, is_active=True, role_grants__role__in=CASEWORK_ROLES
            )
            .exclude(pk=case.responsible_id)
            .distinct()
            .order_by("last_name", "first_name")
        )
        self.fields["to_user"].label_from_instance = lambda user: user.get_full_name() or user.username


class AssignmentRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the case?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why you need the case.")},
        help_text=_("The supervisor or the responsible social worker reads this and decides."),
    )


class AssignmentDecisionForm(forms.Form):
    """Grant or refuse a request to be assigned: the button pressed."""

    decision = id_fields.button_choice([("grant", _("Grant")), ("refuse", _("Refuse"))])


class HandoverForm(forms.Form):
    """Send the person to another social-services unit. The service checks that a consent for the
    purpose names the unit; the list offers every active unit but the user's own."""

    to_unit = id_fields.ModelChoiceField(label=_("Receiving unit"), queryset=Organisation.objects.none())
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=[(purpose.value, purpose.label) for purpose in HANDOVER_PURPOSES],
        help_text=_("A consent of the person for this purpose must name the receiving unit."),
    )
    note = forms.CharField(
        label=_("Note to the receiving unit"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text=_("What the receiving unit needs to decide. It sees nothing else of the case."),
    )

    def __init__(self, *args, own_unit_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = Organisation.objects.filter(
            is_active=True, kind__in=SOCIAL_SERVICES_KINDS
        ).exclude(pk=own_unit_id)


class HandoverDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the hand-over is declined"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Say why the hand-over is declined: the sender sees it.")},
        help_text=_("The sender sees this reason."),
    )


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
