"""Reserve identities: how Lotsa names a person who has no Swedish personal identity number or
coordination number (yet), and the birth date such a person is recorded with.

The format, ``LRyyyyNNNNNC`` (twelve characters, letters upper case):

* ``LR`` — "Lotsa reserve". Letters where a personal identity number has digits, so a reserve
  identity can never be a real personal identity or coordination number (Socialstyrelsen's advice
  for reserve numbers: at least one letter). It is never one of the regions' reserve numbers either:
  Region Stockholm's start with ``99`` (``99yyyyNNNNNC``), Västra Götaland's and Skåne's with a birth
  date (``yyyymmddGggC``, a date and four characters with a letter), Värmland's with a date too.
* ``yyyy`` — the year the identity was issued (as Region Stockholm's): not the birth year, which is
  often unknown or approximate and would be personal data in the identifier.
* ``NNNNN`` — random digits (issued here: ``generate``), unique in the unit (the blind index).
* ``C`` — the Luhn check digit of ``yyyyNNNNN`` (as Region Stockholm's), so a mistyped identity is
  refused, not taken for another person's.

People type it with or without hyphens, in either case (``lr-2026-12345-6``); it is kept in the
canonical form, encrypted like the number and found through a blind index (cases.models.Person).
A region's reserve number, if the person has one, belongs in the journal, not here: the formats
differ by region and none of them has a check that Lotsa can rely on.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.personal_number import luhn_ok

PREFIX = "LR"
_PATTERN = re.compile(r"^LR(?P<year>\d{4})(?P<serial>\d{5})(?P<check>\d)$")


class InvalidReserveIdentity(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def check_digit(digits: str) -> str:
    """The digit that makes ``digits`` + it pass the Luhn check."""
    for candidate in "0123456789":
        if luhn_ok(digits + candidate):
            return candidate
    raise AssertionError("unreachable: one of ten digits always completes a Luhn sum")


def normalise(text: str) -> str:
    """The canonical ``LRyyyyNNNNNC``, or :class:`InvalidReserveIdentity` with a translated message."""
    compact = (text or "").strip().upper().replace("-", "")
    match = _PATTERN.match(compact)
    if not match:
        raise InvalidReserveIdentity(
            _("Write the reserve identity as LR followed by eleven digits, for example LR2026-12345-1.")
        )
    if not luhn_ok(match["year"] + match["serial"] + match["check"]):
        raise InvalidReserveIdentity(_("The check digit of the reserve identity is wrong."))
    return compact


def normalise_or_none(text) -> str | None:
    """For the blind index: the canonical form, or the raw text when it is not valid."""
    try:
        return normalise(str(text))
    except InvalidReserveIdentity:
        return str(text).strip() or None


def generate(*, today: dt.date | None = None) -> str:
    """A new reserve identity (the caller makes sure the unit has no record with it yet)."""
    year = f"{(today or timezone.localdate()).year:04d}"
    serial = f"{secrets.randbelow(100_000):05d}"
    return f"{PREFIX}{year}{serial}{check_digit(year + serial)}"


def formatted(canonical: str) -> str:
    return f"{canonical[:6]}-{canonical[6:11]}-{canonical[11:]}"


def is_reserve_identity(text: str) -> bool:
    return bool(_PATTERN.match(text or ""))


# --- The birth date of a person without a number ------------------------------------------------------


class BirthDatePrecision:
    """How well a birth date recorded without a number is known (Person.birth_date_precision)."""

    EXACT = "exact"
    APPROXIMATE = "approximate"  # a day given, but perhaps not the right one
    YEAR = "year"  # only the year: kept as the 1st of January (see earliest_birth_date)

    choices = [
        (EXACT, _("Exact")),
        (APPROXIMATE, _("Approximate")),
        (YEAR, _("Year only")),
    ]


def parse_birth_date(text: str, *, approximate: bool, today: dt.date | None = None) -> tuple[dt.date, str]:
    """The date and its precision from what was typed: ``YYYY-MM-DD`` (approximate or exact) or
    ``YYYY`` (a year only). A year only is kept as the earliest day it can be: the ages rules (the
    end of the child and youth unit's responsibility, a guardians' consent ending at majority, a
    group's age band) then take effect no later than they would for the true date, so that a
    guardians' consent never outlives the person's coming of age (the conservative choice)."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if re.fullmatch(r"\d{4}", text):
        born, precision = dt.date(int(text), 1, 1), BirthDatePrecision.YEAR
        if born.year > today.year:
            raise InvalidReserveIdentity(_("The birth date lies in the future."))
    else:
        try:
            born = dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
        except ValueError:
            born = None
        if born is None:
            raise InvalidReserveIdentity(
                _("Write the birth date as YYYY-MM-DD, or only the year (YYYY) if that is all you know.")
            )
        if born > today:
            raise InvalidReserveIdentity(_("The birth date lies in the future."))
        precision = BirthDatePrecision.APPROXIMATE if approximate else BirthDatePrecision.EXACT
    if born.year < today.year - 130:
        raise InvalidReserveIdentity(_("The birth date is more than 130 years ago."))
    return born, precision


class ReserveIdentityField(forms.CharField):
    """Takes a typed reserve identity; cleans to the canonical form, or a translated message. Empty:
    one is generated when the person is recorded."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Reserve identity"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _(
                "Leave empty and Lotsa issues one. Lotsa's reserve identities are LR, the year issued, "
                "five digits and a check digit (LR2026-12345-1): the letters mean it can never be "
                "someone's personal identity or coordination number."
            ),
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        try:
            return normalise(value)
        except InvalidReserveIdentity as error:
            raise forms.ValidationError(error.message, code="invalid") from None
