from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import KINDS_WITHOUT_USERS, Organisation, OrganisationKind
from consent import grounds
from consent.models import ConsentReviewOutcome, GivenHow
from consent.services import MAX_FORM_BYTES, ConsentTerms
from lotsa import forms as id_fields
from lotsa.dates import add_months
from lotsa.forms import DateInput
from lotsa.vocabulary import InformationCategory, Purpose


def _other_organisations(case):
    """Whom a consent or a disclosure may name: never the unit itself, never an organisation without
    users, and never the administrators' (system management reads no case, invariant 5)."""
    return (
        Organisation.objects.filter(is_active=True)
        .exclude(pk=case.owner_unit_id)
        .exclude(kind__in=KINDS_WITHOUT_USERS)
        .exclude(kind=OrganisationKind.SYSTEM_MANAGEMENT)
    )


GUARDIAN_FIELDS = ("guardians_required", "guardians_consented", "child_own_consent")


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    purpose_text = forms.CharField(
        label=_("The purpose in the person's own words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    recipients = id_fields.ModelMultipleChoiceField(
        label=_("Organisations that may share information"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Name the organisations that may share information: never 'all agencies'.")
        },
    )
    categories = forms.MultipleChoiceField(
        label=_("Information the consent covers"),
        choices=InformationCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the kinds of information the consent covers.")},
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput)
    given_how = forms.ChoiceField(
        label=_("The consent was given"), choices=GivenHow.choices, widget=forms.RadioSelect
    )
    signed_form = forms.FileField(label=_("The signed form (for a written consent)"), required=False)
    witness = forms.CharField(label=_("Witness (for an oral consent)"), max_length=200, required=False)
    guardians_required = forms.IntegerField(
        label=_("Guardians of the child"), min_value=0, max_value=2, initial=0, required=False
    )
    guardians_consented = forms.IntegerField(
        label=_("Guardians who consented"), min_value=0, max_value=2, initial=0, required=False
    )
    child_own_consent = forms.BooleanField(label=_("The child consented too"), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["recipients"].queryset = _other_organisations(case)
        today = timezone.localdate()
        self.fields["valid_from"].initial = today
        self.fields["valid_until"].initial = default_valid_until(today)

    def guardians_only_for_a_child(self) -> None:
        """The guardians' fields appear only for a child. Called when the page is shown, after the case
        was read (the age comes from the personal identity number: never decrypted before that)."""
        age = self.case.person.age()
        if age is not None and age >= settings.LOTSA_ADULT_AGE:
            for name in GUARDIAN_FIELDS:
                self.fields.pop(name, None)

    def clean_signed_form(self):
        upload = self.cleaned_data.get("signed_form")
        if upload and upload.size > MAX_FORM_BYTES:
            raise forms.ValidationError(_("The signed form may be at most 5 MB."))
        return upload

    def terms(self) -> ConsentTerms:
        data = self.cleaned_data
        upload = data.get("signed_form")
        return ConsentTerms(
            purpose=data["purpose"],
            purpose_text=data.get("purpose_text") or "",
            recipient_ids=[organisation.pk for organisation in data["recipients"]],
            categories=list(data["categories"]),
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            given_how=data["given_how"],
            signed_form=upload.read() if upload else None,
            signed_form_name=upload.name if upload else "",
            witness=data.get("witness") or "",
            guardians_required=data.get("guardians_required") or 0,
            guardians_consented=data.get("guardians_consented") or 0,
            child_own_consent=data.get("child_own_consent", False),
        )

    @classmethod
    def initial_from(cls, consent) -> dict:
        return {
            "purpose": consent.purpose,
            "purpose_text": consent.purpose_text or "",
            "recipients": [o.pk for o in consent.recipients.all() if o.pk != consent.organisation_id],
            "categories": consent.categories,
            "valid_from": timezone.localdate(),
            "valid_until": consent.valid_until,
            "given_how": consent.given_how,
            "guardians_required": consent.guardians_required,
            "guardians_consented": consent.guardians_consented,
            "child_own_consent": consent.child_own_consent,
        }


class WithdrawForm(forms.Form):
    how = forms.ChoiceField(
        label=_("How did the person withdraw the consent?"),
        choices=GivenHow.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say how the person withdrew the consent.")},
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DisclosureForm(forms.Form):
    recipient = id_fields.ModelChoiceField(label=_("Disclosed to"), queryset=Organisation.objects.none())
    ground = forms.ChoiceField(label=_("Legal ground"), choices=())
    categories = forms.MultipleChoiceField(
        label=_("Information disclosed"),
        choices=InformationCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    what = forms.CharField(label=_("What was disclosed"), widget=forms.Textarea(attrs={"rows": 3}))
    why = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = _other_organisations(case)
        self.fields["ground"].choices = grounds.choices()


class EmergencyForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to open the case now?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("State why you need to open the case.")},
    )


class ConsentReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ConsentReviewOutcome.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a comment on the review.")},
    )


def default_valid_until(start: dt.date) -> dt.date:
    return add_months(start, settings.LOTSA_CONSENT_DEFAULT_MONTHS)
