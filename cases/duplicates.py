"""The same person entered twice in one unit (issue 30, item 4): which records of the unit may be the
same person as a given one, found through the name index (cases/names.py) and never by decrypting the
unit's records to compare them.

The rule. Another record of the same unit is flagged as possibly the same person when

1. neither is erased or merged, and the pair is not marked "not the same person" (PersonDistinction);
2. at least one of the two has no personal identity (or coordination) number. Two records that both
   hold a number are two people to Lotsa: the unit keeps one record a number (a unique constraint on
   the number's blind index), so the same number cannot be entered twice, and two different numbers
   are the Tax Agency's to link, not a guess by name;
3. their names agree: every name token of the record with fewer tokens (at least two: a given name
   and a surname) is one of the other's, spelled alike once case and diacritics are folded
   (Östberg = Ostberg) or sounding alike (the SfinxBis key: Mohammed = Muhammad). A record with one
   name token is never flagged: one name is not enough to say two records are one person;
4. their birth dates agree: the same day when both are known to the day (from the number, or
   recorded exactly); the same year when either is approximate or a year only.

How. The record's own tokens, with its birth year, give the digests of the index rows of kind
TOKEN_Y and SOUND_Y (name token or its sound, bound to the birth year) that a duplicate must have; one
query finds the unit's records holding such rows, and only those sharing at least two of the tokens
are candidates. A candidate is decrypted only after the access policy has narrowed the candidates,
in SQL, to the records the viewer may see (cases.selectors.possible_duplicates_visible_to), and only to
drop a colliding digest or a birth date that differs within the year: the same bounded decryption
as a search by name.

False positives. Two people of the same names born the same day (or, with an approximate date, the
same year) are flagged: the handler compares and marks them "not the same person", once. A 24-bit
digest collision (docs/security.md, the name index) is dropped by the decrypted comparison and never
shown. False negatives: names spelled beyond what the phonetic key hears, a birth date wrong by more
than its precision, or one name changed; the handler can still ask to merge any two records of the
unit they may see.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Q

from cases import names
from cases import reserve_identity as reserve
from cases.models import Person, PersonDistinction, PersonNameToken

MIN_SHARED_TOKENS = 2
MAX_CANDIDATES = 20  # a record is compared with at most this many (a flag, not a search)


def _names_of(person: Person) -> list[names.Token]:
    return names.tokens(f"{person.given_names or ''} {person.surname or ''}")


def same_names(first: list[names.Token], second: list[names.Token]) -> bool:
    """Rule 3: every token of the shorter name (two at least) is one of the other's, spelled or sounding
    alike."""
    fewer, more = sorted([first, second], key=len)
    if len(fewer) < MIN_SHARED_TOKENS:
        return False
    folded = {token.folded for token in more}
    sounds = {sound for token in more for sound in token.sounds}
    return all(token.folded in folded or sounds.intersection(token.sounds) for token in fewer)


def _known_to_the_day(person: Person) -> bool:
    return bool(person.personal_number) or person.birth_date_precision in (
        "",
        reserve.BirthDatePrecision.EXACT,
    )


def same_birth(first: Person, second: Person) -> bool:
    """Rule 4: the same day when both are known to the day; the same year otherwise."""
    one, other = first.birth_date, second.birth_date
    if one is None or other is None or one.year != other.year:
        return False
    if _known_to_the_day(first) and _known_to_the_day(second):
        return one == other
    return True


def may_be_the_same(first: Person, second: Person) -> bool:
    """The whole rule for two decrypted records of one unit (rules 1, 2 and the decrypted 3 and 4;
    whether the pair was marked "not the same person" is asked by ``candidates_for``)."""
    if first.pk == second.pk or first.organisation_id != second.organisation_id:
        return False
    if first.erased_at or second.erased_at:
        return False
    if first.personal_number and second.personal_number:
        return False
    return same_birth(first, second) and same_names(_names_of(first), _names_of(second))


def _criteria(tokens: list[names.Token], year: int) -> list[list[tuple[int, int]]]:
    """Per token, the (kind, digest) rows a record with the same token (or sound) and birth year has."""
    return names.NameQuery(tokens=tuple(tokens), born_year=year).criteria()


def marked_distinct(person_id) -> set[uuid.UUID]:
    """The records a handler marked "not the same person" as this one (either order)."""
    marks = PersonDistinction.objects.filter(Q(person_id=person_id) | Q(other_id=person_id))
    return {b if a == person_id else a for a, b in marks.values_list("person_id", "other_id")}


def candidates_for(person: Person) -> list[uuid.UUID]:
    """The ids of the unit's records that share at least two of ``person``'s name tokens (or their
    sounds) bound to the same birth year, through the index alone; neither erased, nor marked "not the
    same person" with it, nor holding a number when ``person`` holds one. Nothing is decrypted here but
    ``person``'s own names (the caller has been allowed to see them)."""
    born = person.birth_date
    tokens = _names_of(person)
    if born is None or len(tokens) < MIN_SHARED_TOKENS:
        return []
    criteria = _criteria(tokens, born.year)
    which = {row: index for index, alternatives in enumerate(criteria) for row in alternatives}
    wanted = Q()
    for kind, digest in which:
        wanted |= Q(kind=kind, digest=digest)
    others = Person.objects.filter(organisation_id=person.organisation_id, erased_at__isnull=True).exclude(
        pk=person.pk
    )
    if person.personal_number:
        others = others.filter(personal_number_index__isnull=True)
    rows = PersonNameToken.objects.filter(wanted, person__in=others).values_list(
        "person_id", "kind", "digest"
    )
    shared: dict[uuid.UUID, set[int]] = defaultdict(set)
    for person_id, kind, digest in rows:
        shared[person_id].add(which[(kind, digest)])
    found = [pk for pk, hits in shared.items() if len(hits) >= MIN_SHARED_TOKENS]
    if found:
        distinct = marked_distinct(person.pk)
        found = [pk for pk in found if pk not in distinct]
    return sorted(found, key=str)[:MAX_CANDIDATES]


def survivor_of(first: Person, second: Person) -> tuple[Person, Person]:
    """Which of two records of one person survives a merge, and which is taken in: the one with a
    number (the person's real identity); of two without, the older (its reserve identity is the one
    on the earlier papers). Returns (survivor, absorbed)."""
    if bool(first.personal_number) != bool(second.personal_number):
        return (first, second) if first.personal_number else (second, first)
    older = min(first, second, key=lambda person: (person.created_at, str(person.pk)))
    return (older, second if older is first else first)


def other_record_of_unit(case, other_id) -> Person | None:
    """The record ``other_id`` names, if the case's unit keeps it (found, not shown: the caller decides)."""
    try:
        return Person.objects.filter(pk=other_id, organisation_id=case.owner_unit_id).first()
    except ValidationError:
        return None
