from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import SOCIAL_SERVICES_KINDS, Organisation
from cases.handovers.models import HANDOVER_PURPOSES, purposes_sent_by
from cases.personal_number import PersonalNumberField
from lotsa import forms as id_fields
from lotsa.vocabulary import Purpose


class HandoverForm(forms.Form):
    """Send the person to another social-services unit. The service checks that a consent for the
    purpose names the unit; the list offers every active unit but the user's own."""

    to_unit = id_fields.ModelChoiceField(label=_("Receiving unit"), queryset=Organisation.objects.none())
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=[(purpose, Purpose(purpose).label) for purpose in HANDOVER_PURPOSES],
        help_text=_("A consent of the person for this purpose must name the receiving unit."),
    )
    note = forms.CharField(
        label=_("Note to the receiving unit"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text=_("What the receiving unit needs to decide. It sees nothing else of the case."),
    )
    # The request for a hand-over this one answers (HandoverRequest), if sent from its page.
    answering = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, own_unit_id=None, own_unit_kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        if own_unit_kind is not None:  # only the purposes the unit sends for (the service decides)
            sent = purposes_sent_by(own_unit_kind)
            self.fields["purpose"].choices = [(p, Purpose(p).label) for p in sent]
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


class KeepCaseOpenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why your case stays open"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("Say why the case stays open.")},
    )


class HandoverRequestForm(forms.Form):
    """Ask the unit the cross-unit pointer named for a hand-over of the person. The service decides
    whether that unit may be asked, for this purpose (the person's consent), and says one thing for
    every reason it may not."""

    personal_number = PersonalNumberField()
    to_unit = id_fields.ModelChoiceField(
        label=_("Unit to ask"),
        queryset=Organisation.objects.filter(is_active=True, kind__in=SOCIAL_SERVICES_KINDS),
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=[(purpose, Purpose(purpose).label) for purpose in HANDOVER_PURPOSES],
        help_text=_("The purpose the person's consent covers: the hand-over would be sent under it."),
    )
    reason = forms.CharField(
        label=_("Why you ask for the hand-over"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("Say why you ask for the hand-over: the holding unit reads it.")},
        help_text=_("The holding unit reads this. Write no more about the person than it needs."),
    )

    def __init__(self, *args, own_unit_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = self.fields["to_unit"].queryset.exclude(pk=own_unit_id)


class HandoverRequestDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the request is declined"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Say why the request is declined: the asking unit reads it.")},
        help_text=_("The asking unit reads this reason."),
    )
