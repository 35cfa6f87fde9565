"""Swedish personal identity numbers (personnummer) and coordination numbers (samordningsnummer).

``normalise`` turns what people type into the canonical twelve digits ``YYYYMMDDNNNC``, following
the tax agency's rules (Skatteverket, SKV 704):

* ten digits ``YYMMDD-NNNC`` (or without the separator) until the year the person turns 100, and
  ``YYMMDD+NNNC`` from that year on: the separator decides the century;
* twelve digits ``YYYYMMDDNNNC``, ``YYYYMMDD-NNNC``, or ``YYYYMMDD+NNNC`` for someone who has turned
  100 (or turns 100 this year);
* the date must exist (day + 60 for a coordination number) and not lie in the future; the birth
  number ``NNN`` is never ``000``; the last digit is the Luhn check digit of the ten-digit form.

Spaces around the number are ignored; a space inside it is refused, never read as a separator.

``PersonalNumberField`` applies these rules to what a form takes (in this app and in others: the module
is published, tests/test_project.py).
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lotsa import crypto

_PATTERN = re.compile(r"^(?P<century>\d{2})?(?P<yymmdd>\d{6})(?P<sep>[-+])?(?P<tail>\d{4})$")


class InvalidPersonalNumber(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _birth_date(year: int, month: int, day: int) -> tuple[dt.date, bool]:
    coordination = day > 60
    try:
        return dt.date(year, month, day - 60 if coordination else day), coordination
    except ValueError:
        raise InvalidPersonalNumber(_("The date in the personal identity number does not exist.")) from None


def normalise(text: str, *, today: dt.date | None = None) -> str:
    """The twelve canonical digits, or :class:`InvalidPersonalNumber` with a translated message."""
    today = today or timezone.localdate()
    stripped = (text or "").strip()
    if re.search(r"\s", stripped):
        raise InvalidPersonalNumber(
            _("Write the personal identity number without spaces, with - or + before the last four digits.")
        )
    match = _PATTERN.match(stripped)
    if not match:
        raise InvalidPersonalNumber(_("Write the personal identity number as YYYYMMDD-NNNN or YYMMDD-NNNN."))
    yymmdd, tail, sep = match["yymmdd"], match["tail"], match["sep"]
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if tail[:3] == "000":
        raise InvalidPersonalNumber(
            _("The three digits after the date are never 000 in a personal identity number.")
        )
    if match["century"]:
        year = int(match["century"] + yymmdd[:2])
        if sep == "+" and today.year - year < 100:
            raise InvalidPersonalNumber(
                _("Use + only for someone who has turned 100 or turns 100 this year.")
            )
    else:
        year = (today.year // 100) * 100 + yy
        if year > today.year:
            year -= 100
        if sep == "+":
            year -= 100
    born, _coordination = _birth_date(year, month, day)
    if born > today:
        raise InvalidPersonalNumber(_("The date in the personal identity number lies in the future."))
    if not luhn_ok(yymmdd + tail):
        raise InvalidPersonalNumber(_("The check digit of the personal identity number is wrong."))
    return f"{year:04d}{yymmdd[2:]}{tail}"


def birth_date(canonical: str) -> dt.date:
    return _birth_date(int(canonical[:4]), int(canonical[4:6]), int(canonical[6:8]))[0]


def birthday(born: dt.date | None, age: int) -> dt.date | None:
    """The day someone born on ``born`` turns ``age`` (the 29th of February's children on the 1st of
    March in a common year, as the population register counts it); None for an unknown birth date."""
    if born is None:
        return None
    year = born.year + age
    try:
        return born.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)


def stored_birth_date(person_id, stored_number) -> dt.date | None:
    """The birth date in a person's stored (encrypted) personal identity number, for data migrations,
    whose historical models know nothing of the encryption; None when it cannot be read (an erased
    person) or holds no date."""
    if stored_number is None:
        return None
    try:
        number = crypto.decrypt_value(
            stored_number, label="cases.person", field="personal_number", pk=person_id, subject_id=person_id
        ).decode()
    except crypto.CryptoError:
        return None
    if len(number) != 12 or not number.isdigit():
        return None
    try:
        return birth_date(number)
    except InvalidPersonalNumber:
        return None


def is_coordination_number(canonical: str) -> bool:
    return int(canonical[6:8]) > 60


def formatted(canonical: str) -> str:
    return f"{canonical[:8]}-{canonical[8:]}"


def normalise_or_none(text) -> str | None:
    """For the blind index: the canonical form, or the raw text when it is not valid."""
    try:
        return normalise(str(text))
    except InvalidPersonalNumber:
        return str(text).strip() or None


# The field every form that takes a number uses (this app's and others'): the rules above, applied.
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
        if value in self.empty_values:  # not required, and left empty
            return value
        try:
            return normalise(value)
        except InvalidPersonalNumber as error:
            raise forms.ValidationError(error.message, code="invalid") from None
