"""Search by name without decrypting anyone: the name tokens of a person, their keyed and truncated
hashes (the rows of ``PersonNameToken``), and the rules of what may be searched.

A name is folded to tokens: case folded, diacritics removed (Östberg, Ostberg and ÖSTBERG are one
token), apostrophes dropped, and split at anything that is not a letter (Ann-Sofie and Lind Ekberg are
two tokens each). Each token also has a Swedish phonetic key (SfinxBis, cases/sfinxbis.py) for the
spellings that sound alike (Mohammed, Muhammad; Kristoffer, Christopher).

Four kinds of rows, each under a key of its own derived by lotsa.crypto (HKDF, one domain a kind):

========  ===================================  ======================================
kind      what is hashed                       answers
========  ===================================  ======================================
TOKEN     the folded token                     two names typed
SOUND     the token's phonetic key             two names typed, spelled otherwise
TOKEN_Y   the folded token and the birth year  one name typed with a birth year (or date)
SOUND_Y   the phonetic key and the birth year  the same, spelled otherwise
========  ===================================  ======================================

Every hash keeps ``DIGEST_BITS`` bits: see docs/security.md (the name index) for what that leaks and
its false-positive rate. A search needs two criteria (two names, or a name and a birth year), never a
single token alone: one rare name is as good as an identity, and a query that names it alone would
turn the index into a directory of who has that name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from cases.sfinxbis import sfinxbis
from lotsa import crypto

DIGEST_BITS = 24  # 16.8 million values: see docs/security.md for the false-positive rate
MIN_TOKEN_LETTERS = 2
MAX_QUERY_TOKENS = 6


class Kind:
    TOKEN = 1
    SOUND = 2
    TOKEN_Y = 3
    SOUND_Y = 4

    choices = [
        (TOKEN, "token"),
        (SOUND, "sound"),
        (TOKEN_Y, "token and birth year"),
        (SOUND_Y, "sound and birth year"),
    ]
    DOMAINS = {
        TOKEN: "person-name-token",
        SOUND: "person-name-phonetic",
        TOKEN_Y: "person-name-token-year",
        SOUND_Y: "person-name-phonetic-year",
    }


# Letters that do not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "\u0131": "i"}
)
_APOSTROPHES = re.compile("['`\u2019\u00b4\u02bc]")  # straight, grave, right quote, acute, modifier
_NOT_LETTERS = re.compile(r"[^\w]|[\d_]+")
WILDCARDS = frozenset("*%?_")
BORN_MESSAGE = _("Type the birth year as YYYY or the birth date as YYYY-MM-DD.")


def fold(word: str) -> str:
    """One token in its searchable form: lower case, no diacritics."""
    word = unicodedata.normalize("NFKD", word.casefold())
    word = "".join(char for char in word if not unicodedata.combining(char))
    return word.translate(_UNDECOMPOSED)


def words(text: str) -> list[str]:
    """The words of a name as written (case and diacritics kept), split at hyphens, spaces and any
    other character that is not a letter; words shorter than two letters dropped."""
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFC", text or ""))
    return [word for word in _NOT_LETTERS.split(text) if len(word) >= MIN_TOKEN_LETTERS]


@dataclasses.dataclass(frozen=True)
class Token:
    folded: str
    # The SfinxBis keys of the word as written and as folded (one key when they agree; none for a
    # particle such as "von"). Both, because SfinxBis hears å, ä and ö (Göran sounds as Jöran), and a
    # name typed without them should still find its sound-alikes.
    sounds: tuple[str, ...]


def tokens(text: str) -> list[Token]:
    """The distinct tokens of a name, in order."""
    seen, result = set(), []
    for word in words(text):
        folded = fold(word)
        if folded in seen:
            continue
        seen.add(folded)
        keys = [sfinxbis(spelling) for spelling in (word, folded)]
        sounds = tuple(dict.fromkeys(key[0] for key in keys if len(key) == 1))
        result.append(Token(folded=folded, sounds=sounds))
    return result


def digest(kind: int, value: str) -> int:
    return crypto.truncated_blind_index(Kind.DOMAINS[kind], value, bits=DIGEST_BITS)


def _year_bound(value: str, year: int) -> str:
    return f"{value}|{year:04d}"


def entries(*, given_names: str, surname: str, birth_year: int | None) -> set[tuple[int, int]]:
    """The (kind, digest) rows of a person with these names and birth year (None: not known)."""
    rows = set()
    for token in tokens(f"{given_names or ''} {surname or ''}"):
        rows.add((Kind.TOKEN, digest(Kind.TOKEN, token.folded)))
        rows.update((Kind.SOUND, digest(Kind.SOUND, sound)) for sound in token.sounds)
        if birth_year is not None:
            rows.add((Kind.TOKEN_Y, digest(Kind.TOKEN_Y, _year_bound(token.folded, birth_year))))
            rows.update(
                (Kind.SOUND_Y, digest(Kind.SOUND_Y, _year_bound(sound, birth_year))) for sound in token.sounds
            )
    return rows


# --- What is searched ------------------------------------------------------------------------------


class InvalidNameQuery(ValueError):
    """A translated message, and the field it is about ("name" or "born")."""

    def __init__(self, message, *, field: str = "name"):
        super().__init__(str(message))
        self.message, self.field = message, field


@dataclasses.dataclass(frozen=True)
class NameQuery:
    """A search by name: the tokens typed, and the birth year or date (either may be None)."""

    tokens: tuple[Token, ...]
    born_year: int | None = None
    born_on: dt.date | None = None

    @property
    def year(self) -> int | None:
        return self.born_on.year if self.born_on else self.born_year

    def criteria(self) -> list[list[tuple[int, int]]]:
        """One list of (kind, digest) alternatives per token typed: a person matches when every token
        finds one of its alternatives among the person's rows (the exact token, or its sound)."""
        year = self.year
        result = []
        for token in self.tokens:
            if year is None:
                alternatives = [(Kind.TOKEN, digest(Kind.TOKEN, token.folded))]
                alternatives += [(Kind.SOUND, digest(Kind.SOUND, sound)) for sound in token.sounds]
            else:
                alternatives = [(Kind.TOKEN_Y, digest(Kind.TOKEN_Y, _year_bound(token.folded, year)))]
                alternatives += [
                    (Kind.SOUND_Y, digest(Kind.SOUND_Y, _year_bound(sound, year))) for sound in token.sounds
                ]
            result.append(alternatives)
        return result

    def matches(self, *, given_names: str, surname: str, birth_date: dt.date | None) -> tuple[bool, bool]:
        """Whether a decrypted person really matches (a digest may collide): (matches, exactly), where
        ``exactly`` means every token typed is one of the person's own, not only a sound-alike."""
        if self.year is not None and (birth_date is None or birth_date.year != self.year):
            return False, False
        if self.born_on is not None and birth_date != self.born_on:
            return False, False
        own = tokens(f"{given_names or ''} {surname or ''}")
        folded = {token.folded for token in own}
        sounds = {sound for token in own for sound in token.sounds}
        exact = all(token.folded in folded for token in self.tokens)
        alike = all(token.folded in folded or sounds.intersection(token.sounds) for token in self.tokens)
        return alike, exact


def parse_born(text: str) -> tuple[int | None, dt.date | None]:
    """A birth year (YYYY) or a birth date (YYYY-MM-DD or YYYYMMDD), or a translated message."""
    text = (text or "").strip()
    if not text:
        return None, None
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        if 1880 <= year <= dt.date.today().year:
            return year, None
    elif re.fullmatch(r"\d{4}-?\d{2}-?\d{2}", text):
        digits = text.replace("-", "")
        try:
            born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            born = None
        if born is not None and dt.date(1880, 1, 1) <= born <= dt.date.today():
            return None, born
    raise InvalidNameQuery(BORN_MESSAGE, field="born")


def parse(text: str, *, born: str = "") -> NameQuery:
    """What was typed as a name, checked: a clear message (and nothing searched) for a wildcard, a
    digit, a name of one letter, or a single name without a birth year."""
    text = (text or "").strip()
    if any(char in WILDCARDS for char in text):
        raise InvalidNameQuery(
            _("The search takes whole names; wildcards such as * or % are not used. Type the names you know.")
        )
    if any(char.isdigit() for char in text):
        raise InvalidNameQuery(_("A name has no digits. Type a personal identity number in its own field."))
    found = tokens(text)
    if not found:
        raise InvalidNameQuery(_("Type at least one name of two letters or more."))
    if len(found) > MAX_QUERY_TOKENS:
        raise InvalidNameQuery(_("Type at most six names."))
    born_year, born_on = parse_born(born)
    if len(found) < 2 and born_year is None and born_on is None:
        raise InvalidNameQuery(
            _(
                "Type two names (a given name and a surname), or one name and the birth year: one name "
                "alone is not searched."
            )
        )
    return NameQuery(tokens=tuple(found), born_year=born_year, born_on=born_on)
