from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind
from coordination.identity import identifying_parts
from coordination.models import REPORTED_MILIEUS, AgeBand, ReportKind, Setting
from lotsa.forms import DateInput, ModelChoiceField


class DeidentifiedReportForm(forms.Form):
    administration = ModelChoiceField(
        label=_("Administration"),
        queryset=Organisation.objects.none(),
        help_text=_("The district administration where it happened: its coordinator receives the report."),
    )
    area = forms.CharField(
        label=_("Area"), max_length=80, help_text=_("A district or neighbourhood, not an address.")
    )
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput)
    kind = forms.ChoiceField(
        label=_("Concern or event"), choices=ReportKind.choices, widget=forms.RadioSelect
    )
    milieu = forms.ChoiceField(label=_("Milieu"), choices=[(m.value, m.label) for m in REPORTED_MILIEUS])
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices)
    age_band = forms.ChoiceField(label=_("Age"), choices=AgeBand.choices)
    description = forms.CharField(
        label=_("Short description"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What happened or what worries you, without anything that identifies anyone: no name, personal "
            "identity number, telephone number, e-mail or street address."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["administration"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.DISTRICT_ADMINISTRATION, is_active=True
        ).order_by("name")

    def _refuse_identity(self, field: str):
        value = self.cleaned_data.get(field, "")
        reasons = identifying_parts(value)
        if reasons:
            raise ValidationError(
                [*reasons, _("The form is de-identified: write it so that no one can be identified.")]
            )
        return value

    def clean_area(self):
        return self._refuse_identity("area")

    def clean_description(self):
        return self._refuse_identity("description")

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return value


class ReportFilterForm(forms.Form):
    """Filters of the reports page. Any district administration parses; the selector shows only what
    the coordinator may see, and the choices offered are narrowed once the read is decided."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    administration = ModelChoiceField(
        label=_("Administration"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.DISTRICT_ADMINISTRATION),
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Concern or event"), choices=[("", "—"), *ReportKind.choices], required=False
    )
    milieu = forms.ChoiceField(
        label=_("Milieu"),
        choices=[("", "—"), *[(m.value, m.label) for m in REPORTED_MILIEUS]],
        required=False,
    )

    def __init__(self, *args, administrations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if administrations is not None:
            self.fields["administration"].queryset = administrations


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)


class SituationForm(forms.Form):
    coordinator_assessment = forms.CharField(
        label=_("The coordinator's assessment"),
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What the reports, the cases and your contacts show about the area this year. No names."),
    )
    police_assessment = forms.CharField(
        label=_("The police's assessment"),
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The local police's assessment, as agreed at your yearly meeting. No names."),
    )

    def clean(self):
        data = super().clean()
        for field in ("coordinator_assessment", "police_assessment"):
            reasons = identifying_parts(data.get(field, ""))
            if reasons:
                self.add_error(field, reasons)
        return data
