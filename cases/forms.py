from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import CASEWORK_ROLES
from cases import names
from cases import personal_number as pnr
from cases.personal_number import PersonalNumberField
from cases.reserve_identity import InvalidReserveIdentity, ReserveIdentityField, parse_birth_date
from cases.words import CHANGEABLE_ACTIVITIES, Activity, CloseReason, Milieu, ProtectedIdentity, TargetGroup
from lotsa import forms as id_fields
from lotsa.vocabulary import InformationCategory


class SearchForm(forms.Form):
    """A person by the whole personal identity number, or by name (with the birth year or date when
    only one name is known). Cleaned: ``personal_number`` (canonical) or ``query`` (a NameQuery)."""

    personal_number = PersonalNumberField(required=False)
    name = forms.CharField(
        label=_("Or: name"),
        max_length=200,
        required=False,
        help_text=_("Given name and surname; or one name and the birth year."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    born = forms.CharField(
        label=_("Born (year or date)"),
        max_length=10,
        required=False,
        help_text=_("YYYY or YYYY-MM-DD. Used with a name."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean(self):
        data = super().clean()
        number, name = data.get("personal_number"), (data.get("name") or "").strip()
        if self.errors:
            return data
        if number and name:
            self.add_error("name", _("Search by the personal identity number or by name, not both."))
        elif not number and not name:
            self.add_error(
                "personal_number", _("Type the whole personal identity number, or a name to search by.")
            )
        elif name and _NUMBER_LIKE.fullmatch(name):
            # Only digits: meant as a number. Searched as one if it is one, otherwise said so.
            try:
                data["personal_number"] = pnr.normalise(name)
            except pnr.InvalidPersonalNumber as error:
                self.add_error("name", error.message)
        elif name:
            try:
                data["query"] = names.parse(name, born=data.get("born", ""))
            except names.InvalidNameQuery as error:
                self.add_error(error.field, error.message)
        return data


_NUMBER_LIKE = re.compile(r"[\d\s+-]+")


class OpenCaseForm(forms.Form):
    personal_number = PersonalNumberField(required=False)
    no_number = forms.BooleanField(
        label=_("The person has no Swedish personal identity or coordination number"),
        required=False,
        help_text=_(
            "A returnee, a child born abroad, someone whose identity is not known yet: the person is "
            "recorded with a reserve identity and a birth date, and merged with their record when the "
            "number becomes known (a handler asks, the supervisor approves)."
        ),
    )
    reserve_identity = ReserveIdentityField()
    birth_date = forms.CharField(
        label=_("Date of birth (without a number)"),
        max_length=10,
        required=False,
        help_text=_(
            "YYYY-MM-DD, or only the year (YYYY). A year only counts from its 1st of January, so that "
            "rules that follow age (a guardians' consent ending at 18, the child and youth unit) never "
            "take effect later than they would for the true date."
        ),
    )
    birth_date_approximate = forms.BooleanField(label=_("The date of birth is approximate"), required=False)
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

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("no_number"):
            if cleaned.get("personal_number"):
                self.add_error(
                    "personal_number",
                    _("Leave the number empty for a person without a Swedish number, or untick that box."),
                )
            try:
                cleaned["born"], cleaned["birth_date_precision"] = parse_birth_date(
                    cleaned.get("birth_date", ""), approximate=cleaned.get("birth_date_approximate", False)
                )
            except InvalidReserveIdentity as error:
                self.add_error("birth_date", error.message)
        else:
            if not cleaned.get("personal_number"):
                self.add_error(
                    "personal_number",
                    _("Write the personal identity number, or tick that the person has no Swedish number."),
                )
            if cleaned.get("reserve_identity") or cleaned.get("birth_date"):
                self.add_error(
                    "no_number",
                    _(
                        "Tick the box for a person without a Swedish number, or leave the reserve "
                        "identity and the birth date empty."
                    ),
                )
        return cleaned

    def contact(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("phone", "email") if self.cleaned_data[k]}

    def address(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("street", "postcode", "town") if self.cleaned_data[k]}


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


class JournalDraftForm(VersionForm, JournalEntryForm):
    """A draft changed by its author: the entry's fields and the version of the draft the page showed."""

    field_order = ["category", "text", "version"]


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


class ActivityForm(VersionForm):
    """What the unit does in a case a hand-over opened (cases.services.case_activity_change)."""

    activity = forms.ChoiceField(label=_("Activity"))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].choices = [
            (value, label)
            for value, label in Activity.choices
            if value in CHANGEABLE_ACTIVITIES and value != case.activity
        ]


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


class ProtectionLoweringForm(forms.Form):
    """Ask to lower a person's protected-identity level: a level below the present one, and why."""

    level = forms.ChoiceField(
        label=_("Lower to"), error_messages={"required": _("Choose a level below the present one.")}
    )
    reason = forms.CharField(
        label=_("Why the protection is lowered"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Say why the protection is lowered.")},
        help_text=_("The unit's supervisor reads this and approves or refuses."),
    )

    def __init__(self, *args, present: str, **kwargs):
        super().__init__(*args, **kwargs)
        order = list(ProtectedIdentity.values)  # from none to the strongest
        below = order[: order.index(present)] if present in order else []
        labels = dict(ProtectedIdentity.choices)
        self.fields["level"].choices = [(level, labels[level]) for level in below]


class ProtectionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve: lower the protection")),
            ("refuse", _("Refuse: the protection stays")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Approve or refuse lowering the protection.")},
    )
    note = forms.CharField(label=_("Why refused"), required=False, max_length=500)


class PersonMergeForm(forms.Form):
    """The real number of a person recorded without one, and how it became known."""

    number = PersonalNumberField(
        help_text=_(
            "If your unit already keeps a record with this number, the two records become one (that "
            "one); if not, this record takes the number. Either way only when the supervisor approves."
        )
    )
    reason = forms.CharField(
        label=_("How did the number become known?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say how the personal identity number became known.")},
    )


class DuplicateMergeForm(forms.Form):
    """Why two records of the unit are the same person (the supervisor reads it before deciding)."""

    reason = forms.CharField(
        label=_("Why are the two records the same person?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": _("Say why the two records are the same person.")},
    )


class PersonMergeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve: merge the records")), ("refuse", _("Refuse: nothing changes"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Approve or refuse merging the records.")},
    )
    note = forms.CharField(label=_("Why refused"), required=False, max_length=500)
