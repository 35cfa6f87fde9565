"""Swedish personal identity numbers (personnummer) and coordination numbers (samordningsnummer).

``normalise`` turns what people type into the canonical twelve digits ``YYYYMMDDNNNC``:
``YYMMDD-NNNC``, ``YYMMDDNNNC``, ``YYYYMMDD-NNNC``, ``YYYYMMDDNNNC``, and ``YYMMDD+NNNC`` for people
who have turned 100. It checks the date (day + 60 for a coordination number) and the Luhn digit.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _

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
    today = today or dt.date.today()
    compact = re.sub(r"\s", "", text or "")
    match = _PATTERN.match(compact)
    if not match:
        raise InvalidPersonalNumber(_("Write the personal identity number as YYYYMMDD-NNNN or YYMMDD-NNNN."))
    yymmdd, tail, sep = match["yymmdd"], match["tail"], match["sep"]
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if match["century"]:
        year = int(match["century"] + yymmdd[:2])
        if sep == "+":
            raise InvalidPersonalNumber(_("Use + only with a six-digit date."))
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
