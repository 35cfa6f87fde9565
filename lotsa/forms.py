"""Form fields every app uses for what the kernel decides once.

``ModelChoiceField`` and ``ModelMultipleChoiceField`` check each submitted id against the form of the
model's primary key (a positive 64-bit integer, or a UUID) before any query: an id out of range, or
of the wrong shape, gets the ordinary translated "not one of the choices" message and never reaches
the database (where it would be an overflow or a data error, a 500). Every form in Lotsa uses these
instead of Django's own (a test keeps it so).
"""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1


class DateInput(forms.DateInput):
    """The one date input: the browser's date picker (``type="date"``), which submits ISO dates
    whatever the user's locale; every date field in Lotsa uses it (a test keeps it so)."""

    input_type = "date"


def _well_formed(queryset, value) -> bool:
    pk = queryset.model._meta.pk
    text = str(value).strip()
    if isinstance(pk, models.UUIDField):
        try:
            uuid.UUID(text)
        except ValueError:
            return False
        return True
    if isinstance(pk, models.IntegerField):  # AutoField and BigAutoField are IntegerFields
        return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID
    return True


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model):
            key = getattr(value, "pk", value)
            if not _well_formed(self.queryset, key):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(key)[:40]},
                )
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for key in value if isinstance(value, list | tuple | set | frozenset) else [value]:
            if not _well_formed(self.queryset, key):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(key)[:40]},
                )
        return super()._check_values(value)


class ByButton(forms.HiddenInput):
    """The value of a field that the form's submit buttons carry (``<button name="decision"
    value="approve">``): the field itself renders nothing, its error shows in the form's summary."""

    def render(self, name, value, attrs=None, renderer=None):
        return ""


def button_choice(choices) -> forms.ChoiceField:
    """A required choice made by pressing one of the form's buttons: a post without it (or with a
    value no button sends) is an invalid form, decided and answered as one (lotsa.posting)."""
    message = _("Choose one of the form's buttons.")
    return forms.ChoiceField(
        choices=choices, widget=ByButton, error_messages={"required": message, "invalid_choice": message}
    )
