from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Cadence


class CadenceForm(forms.Form):
    cadence = forms.ChoiceField(
        label=_("Tell me that something waits in Lotsa"),
        choices=Cadence.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how often."),
            "invalid_choice": _("Choose one of the choices."),
        },
    )
