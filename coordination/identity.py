"""Does a text identify someone? The de-identified concern form refuses text that holds a personal
identity number, a telephone number, an e-mail address or a street address, and says which.

Deliberately eager: a false alarm costs the sender a rewording, a miss puts a person on the
coordinator's desk. Numbers are found however they are written — with or without century, hyphen,
plus sign, spaces or dots, coordination numbers included — and whether or not the check digit is
right (a mistyped number still identifies). Addresses are found by Swedish street words followed by
a number, by box addresses and by postcodes.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_SEP = r"[\s.\-+/]?"
# YYYYMMDD-NNNN or YYMMDD-NNNN (day may be 61-91 for coordination numbers); separators anywhere
# common; the digits need not be valid.
_PERSONAL_NUMBER = re.compile(
    rf"(?<!\d)(?:(?:18|19|20){_SEP})?\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{2}}(?:\s?[\-+.]\s?|\s)?\d{{3}}{_SEP}\d(?!\d)"
)
# Swedish numbers: 0 or +46/0046 then 7-9 more digits, in groups separated by spaces, hyphens,
# dots or slashes, possibly with (0).
_PHONE = re.compile(
    r"(?<![\d])(?:\+|00)\s?46\s?(?:\(0\))?[\s\-]?\d(?:[\s\-./]?\d){6,9}(?!\d)|(?<![\d+])0\d(?:[\s\-./]?\d){6,9}(?!\d)"
)
_EMAIL = re.compile(
    r"[\w.+\-]+\s?(?:@|\(at\)|\[at\]|\sat\s)\s?[\w\-]+(?:\s?(?:\.|\(dot\)|\[dot\])\s?[\w\-]+)+", re.I
)
_STREET_WORDS = (
    "gatan|gata|vägen|väg|gränd|gränden|torget|torg|allé|allén|stigen|stig|backe|backen|esplanaden|"
    "leden|platsen|promenaden|stråket|kajen|slingan|strand|stranden|svängen|gången|ringen|liden|"
    "hagen|street|road|avenue"
)
_STREET = re.compile(rf"\b\w*(?:{_STREET_WORDS})\s+\d{{1,4}}\s?[a-zA-Z]?\b", re.I)
_BOX = re.compile(r"\b(?:box|postbox|c/o)\s+\d+", re.I)
_POSTCODE = re.compile(r"(?<!\d)\d{3}\s\d{2}(?!\d)\s+[A-ZÅÄÖ][a-zåäö]+")


def identifying_parts(text: str) -> list[str]:
    """The reasons ``text`` identifies someone, as messages for the sender (empty: none found)."""
    text = text or ""
    found = []
    if _PERSONAL_NUMBER.search(text):
        found.append(_("It seems to hold a personal identity number."))
    if _PHONE.search(text):
        found.append(_("It seems to hold a telephone number."))
    if _EMAIL.search(text):
        found.append(_("It seems to hold an e-mail address."))
    if _STREET.search(text) or _BOX.search(text) or _POSTCODE.search(text):
        found.append(_("It seems to hold a street address."))
    return found
