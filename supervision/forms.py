from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from accounts.roles import PERSONAL_DATA_ROLES, Role
from lotsa.forms import DateInput, ModelChoiceField
from supervision.models import Mark, ReviewPlan


class PlanForm(forms.ModelForm):
    class Meta:
        model = ReviewPlan
        fields = ["every_days", "random_samples", "per_rule"]


class DrawForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)


class MarkForm(forms.Form):
    mark = forms.ChoiceField(label=_("Mark"), choices=Mark.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        help_text=_("About the access, not the person: the event already says whom it concerns."),
    )


class SignOffForm(forms.Form):
    conclusion = forms.CharField(
        label=_("Conclusion"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class AnalysisForm(forms.Form):
    organisation = ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(
        label=_("Role"), choices=[(r.value, r.label) for r in Role if r.value in PERSONAL_DATA_ROLES]
    )
    needs = forms.CharField(
        label=_("Needs: what the role must reach, and why"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    risks = forms.CharField(
        label=_("Risks, and how they are met"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(is_active=True).order_by("name")
        if not user.has_role(Role.ADMINISTRATOR):
            organisations = organisations.filter(pk=user.organisation_id)
        self.fields["organisation"].queryset = organisations


class ExtractForm(forms.Form):
    with_staff_names = forms.BooleanField(
        label=_("Name the staff in the extract"),
        required=False,
        help_text=_(
            "By default an extract gives the organisation of each consultation, not the person who made it."
        ),
    )
    reason = forms.CharField(label=_("Why the staff are named"), required=False, max_length=300)


class ExtractDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
