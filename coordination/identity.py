"""Does a text identify someone? The de-identified concern form and the situation picture refuse text
that holds a personal identity number, a telephone number, an e-mail address, a street address or a
person's name, and say which. This is the one place the rule is written.

Deliberately eager: a false alarm costs the sender a rewording, a miss puts a person on the
coordinator's desk.

* **Numbers** are found however they are written — with or without century, hyphen, plus sign, spaces
  or dots, coordination numbers included — and whether or not the check digit is right (a mistyped
  number still identifies). A number is also found when it is disguised: digits written as look-alike
  letters (O or o for 0, l, I, i or | for 1, Z for 2, S for 5, B for 8) or as Swedish digit words
  ("noll", "två" …), or separated digit by digit by spaces, dots, dashes or slashes: the ten or twelve
  digits it reads as are a personal identity number if their date could be one (day + 60 for a
  coordination number) or their check digit is right (Luhn, ``cases.personal_number``).
* **E-mail addresses**, also spelled out: ``(at)``, ``[at]``, `` at ``, ``snabel-a`` for @ and
  ``dot``, ``punkt`` for the dot; "snabel-a" on its own is enough.
* **Street addresses**: a Swedish street word followed by a number, also a spelled-out one
  ("Storgatan tolv"), box addresses and postcodes with a town.
* **Names**, from SCB's lists of common given names and surnames (``coordination/names/``, where the
  source and the yearly update are described). A text is refused when it holds

  - a given name written with a capital letter (also in the genitive, "Adams"), unless the name is
    also an ordinary word, a month, a place or a religious figure (marked ``*`` in the list: "Björn",
    "Maj", "Sofia", "Muhammed");
  - such a marked given name followed by a surname, or, capitalised inside a sentence, followed by
    another capitalised word ("träffade Björn Borg");
  - a capitalised surname from the list ("Andersson"), unless it is also a word or a place (marked:
    "Berg", "Lund"), which counts only after a given name;
  - any word ending in -sson, or a capitalised one ending in -dotter ("Testsson", "Provsdotter").

  What is left alone: a marked word alone or at the start of a sentence ("Maj var lugn", "Björn är
  ett djur"), places and institutions ("Rinkeby", "Husby centrum", "skolan", "polisen"), month names.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

from cases.personal_number import luhn_ok

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
_AT = r"(?:\s*@\s*|\s*[(\[{]\s*(?:at|snabel-?a)\s*[)\]}]\s*|\s+(?:at|snabel-?a)\s+)"
_DOT = r"(?:\s*\.\s*|\s*[(\[{]\s*(?:dot|punkt)\s*[)\]}]\s*|\s+(?:dot|punkt)\s+)"
_EMAIL = re.compile(rf"[\w.+\-]+{_AT}[\w\-]+(?:{_DOT}[\w\-]+)+", re.I)
_AT_WORD = re.compile(r"\bsnabel-?a\b", re.I)
_STREET_WORDS = (
    "gatan|gata|vägen|väg|gränd|gränden|torget|torg|allé|allén|stigen|stig|backe|backen|esplanaden|"
    "leden|platsen|promenaden|stråket|kajen|slingan|strand|stranden|svängen|gången|ringen|liden|"
    "hagen|plan|street|road|avenue"
)
_STREET = re.compile(rf"\b\w*(?:{_STREET_WORDS})\s+\d{{1,4}}\s?[a-zA-Z]?\b", re.I)
# A street name (a compound with a street word) with its number spelled out: "Storgatan tolv".
_NUMBER_WORDS = (
    "två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|tretton|fjorton|femton|sexton|sjutton|arton|"
    "nitton|tjugo\\w*|trettio\\w*|fyrtio\\w*|femtio\\w*|sextio\\w*|sjuttio\\w*|åttio\\w*|nittio\\w*|hundra\\w*"
)
_STREET_SPELLED = re.compile(rf"\b[A-ZÅÄÖ]\w+(?:{_STREET_WORDS})\s+(?:{_NUMBER_WORDS})\b")
_BOX = re.compile(r"\b(?:box|postbox|c/o)\s+\d+", re.I)
_POSTCODE = re.compile(r"(?<!\d)\d{3}\s\d{2}(?!\d)\s+[A-ZÅÄÖ][a-zåäö]+")

# --- Disguised numbers ------------------------------------------------------------------------------

_LOOKALIKES = {"O": "0", "o": "0", "l": "1", "I": "1", "i": "1", "|": "1", "Z": "2", "S": "5", "B": "8"}
_DIGIT_WORDS = {
    "noll": "0",
    "ett": "1",
    "en": "1",
    "två": "2",
    "tre": "3",
    "fyra": "4",
    "fem": "5",
    "sex": "6",
    "sju": "7",
    "åtta": "8",
    "nio": "9",
}
_LOOKALIKE_TOKEN = re.compile(r"[0-9OolIi|ZSB]+")
_TOKEN_SPLIT = re.compile(r"[\s.\-+/_]+")
_PUNCTUATION = ",;:!?()[]{}\"'«»"


def _digits_of(token: str) -> str | None:
    """The digits a token reads as (digits, look-alike letters, or a digit word), or None."""
    token = token.strip(_PUNCTUATION)
    if token.lower() in _DIGIT_WORDS:
        return _DIGIT_WORDS[token.lower()]
    if not token or not _LOOKALIKE_TOKEN.fullmatch(token):
        return None
    return "".join(_LOOKALIKES.get(c, c) for c in token)


def _could_be_personal_number(digits: str) -> bool:
    ten = digits[-10:]
    if len(digits) == 12 and digits[:2] not in ("18", "19", "20"):
        return False
    month, day = int(ten[2:4]), int(ten[4:6])
    date_like = 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)
    return date_like or luhn_ok(ten)


def _disguised_personal_number(text: str) -> bool:
    tokens = [_digits_of(t) for t in _TOKEN_SPLIT.split(text)]
    for start in range(len(tokens)):
        digits = ""
        for token in tokens[start:]:
            if token is None:
                break
            digits += token
            if len(digits) > 12:
                break
            if (
                len(digits) in (10, 12)
                and any(c.isdigit() for c in digits)
                and _could_be_personal_number(digits)
            ):
                return True
    return False


# --- Names ---------------------------------------------------------------------------------------

_NAMES_DIR = Path(__file__).resolve().parent / "names"
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?:]\s*$")


@cache
def name_lists() -> dict[str, frozenset[str]]:
    """The given names and surnames (lower case), each split into the plain and the marked ones."""
    lists = {}
    for kind in ("given_names", "surnames"):
        plain, marked = set(), set()
        for line in (_NAMES_DIR / f"{kind}.txt").read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _space, mark = line.partition(" ")
            (marked if mark.strip() == "*" else plain).add(name.lower())
        lists[kind] = frozenset(plain)
        lists[f"{kind}_marked"] = frozenset(marked)
    return lists


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _holds_a_name(text: str) -> bool:
    names = name_lists()
    given, given_marked = names["given_names"], names["given_names_marked"]
    surnames, surnames_marked = names["surnames"], names["surnames_marked"]
    words = [(m.group(), text[: m.start()]) for m in _WORD.finditer(text)]
    for index, (word, before) in enumerate(words):
        lower = word.lower()
        following = words[index + 1][0] if index + 1 < len(words) else ""
        adjacent = index + 1 < len(words) and not re.search(
            r"[^\s]", text[len(before) + len(word) : len(words[index + 1][1])]
        )
        sentence_start = not before.strip() or bool(_SENTENCE_END.search(before))
        after_saint = bool(re.search(r"(?:\bSankt|\bS:t)\s+$", before))
        if lower.endswith("sson") and len(lower) > 5:
            return True
        if _capitalised(word) and lower.endswith("dotter") and len(lower) > 7:
            return True
        if lower in surnames and _capitalised(word):
            return True
        if not _capitalised(word) or after_saint:
            continue
        if lower in given or (lower.endswith("s") and lower[:-1] in given):
            return True
        if lower in given_marked and adjacent and following:
            next_lower = following.lower()
            if next_lower in surnames or next_lower in surnames_marked:
                return True
            if not sentence_start and _capitalised(following):
                return True
    return False


def identifying_parts(text: str) -> list[str]:
    """The reasons ``text`` identifies someone, as messages for the sender (empty: none found)."""
    text = text or ""
    found = []
    if _PERSONAL_NUMBER.search(text) or _disguised_personal_number(text):
        found.append(_("It seems to hold a personal identity number."))
    if _PHONE.search(text):
        found.append(_("It seems to hold a telephone number."))
    if _EMAIL.search(text) or _AT_WORD.search(text):
        found.append(_("It seems to hold an e-mail address."))
    if _STREET.search(text) or _STREET_SPELLED.search(text) or _BOX.search(text) or _POSTCODE.search(text):
        found.append(_("It seems to hold a street address."))
    if _holds_a_name(text):
        found.append(_("It seems to hold a person's name."))
    return found
