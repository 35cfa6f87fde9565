from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind, User
from lotsa import forms as id_fields
from lotsa.forms import DateInput
from lotsa.vocabulary import InformationCategory, ThreatLevel
from sig import services
from sig.models import ActionStatus, GroupOutcome, MemberRole


class MemberForm(forms.Form):
    user = id_fields.ModelChoiceField(label=_("Member"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Role in the group"), choices=MemberRole.choices)

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = services.organisations_named(group) | {group.case.owner_unit_id}
        current = [m.user_id for m in services.current_members(group)]
        self.fields["user"].queryset = (
            User.objects.filter(organisation_id__in=allowed, is_active=True)
            .exclude(pk__in=current)
            .select_related("organisation")
            .order_by("organisation__name", "last_name")
        )
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.organisation.name})"
        )


class SharedEntryForm(forms.Form):
    prefix = "entry"  # several forms share the group page: their field ids must not clash

    category = forms.ChoiceField(label=_("Information category"), choices=InformationCategory.choices)
    text = forms.CharField(
        label=_("Entry"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write something in the entry.")},
    )
    for_civil_society = forms.BooleanField(
        label=_("A summary written for the civil-society members"), required=False
    )


class AssessmentForm(forms.Form):
    prefix = "threat"  # several forms share the group page: their field ids must not clash

    level = forms.ChoiceField(label=_("Threat level"), choices=ThreatLevel.choices, widget=forms.RadioSelect)
    assessed_on = forms.DateField(
        label=_("Assessed on"),
        widget=DateInput,
        required=False,
        initial=timezone.localdate,
        help_text=_("The day the assessment was made, not the day it is recorded. Today if left empty."),
    )
    protection_need = forms.BooleanField(label=_("Protection need"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    reassessment_due = forms.DateField(
        label=_("Re-assessment due"),
        widget=DateInput,
        required=False,
        help_text=_("Three months from the assessment if left empty."),
    )


class MeetingForm(forms.Form):
    prefix = "meeting"  # several forms share the group page: their field ids must not clash

    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    present = forms.MultipleChoiceField(
        label=_("Present"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Mark who was present at the meeting.")},
    )
    category = forms.ChoiceField(
        label=_("Information category of the minutes"), choices=InformationCategory.choices
    )
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    decisions = forms.CharField(
        label=_("Decisions"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    next_meeting_on = forms.DateField(label=_("Next meeting"), widget=DateInput, required=False)

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [
            (str(m.pk), f"{m.user.get_full_name() or m.user.username} ({m.organisation.name})")
            for m in services.current_members(group)
        ]

    def clean(self):
        """A meeting with nothing in it is refused, not kept for ever (the service refuses it too)."""
        data = super().clean()
        if not (data.get("minutes") or "").strip() and not (data.get("decisions") or "").strip():
            self.add_error("minutes", _("Write the minutes or the decisions of the meeting."))
        return data


class GoalForm(forms.Form):
    prefix = "goal"  # several forms share the group page: their field ids must not clash

    text = forms.CharField(label=_("Goal"), max_length=500, error_messages={"required": _("Write the goal.")})


class ActionForm(forms.Form):
    prefix = "action"  # several forms share the group page: their field ids must not clash

    goal = forms.ChoiceField(label=_("Goal"), choices=())
    owner = forms.ChoiceField(label=_("Owned by"), choices=())
    text = forms.CharField(
        label=_("Action"), max_length=500, error_messages={"required": _("Write the action.")}
    )
    due = forms.DateField(label=_("Due"), widget=DateInput)

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = [
            (str(goal.pk), goal.text) for goal in group.goals.order_by("created_at")
        ]
        owners = {m.organisation_id: m.organisation.name for m in services.current_members(group)}
        self.fields["owner"].choices = sorted(owners.items(), key=lambda item: item[1])


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    follow_up = forms.CharField(
        label=_("Follow-up"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseGroupForm(forms.Form):
    prefix = "close"  # several forms share the group page: their field ids must not clash

    outcome = forms.ChoiceField(label=_("Outcome"), choices=GroupOutcome.choices)


class ReferralForm(forms.Form):
    prefix = "referral"  # several forms share the group page: their field ids must not clash

    organisation = id_fields.ModelChoiceField(label=_("Defector programme"), queryset=None)
    note = forms.CharField(
        label=_("Note to the programme"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.DEFECTOR_PROGRAMME, is_active=True
        )
