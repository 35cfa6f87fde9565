from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lotsa.forms import DateInput
from retention.models import HoldReason


class HoldForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=HoldReason.choices)
    review_on = forms.DateField(
        label=_("Review by"),
        widget=DateInput,
        help_text=_("Another supervisor reviews the hold by this day, and decides to keep or lift it."),
    )


class HoldReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("keep", _("Keep the hold")), ("lift", _("Lift the hold"))],
        widget=forms.RadioSelect,
    )
    review_on = forms.DateField(
        label=_("Next review by"), widget=DateInput, required=False, help_text=_("When the hold is kept.")
    )
