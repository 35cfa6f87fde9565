"""Row 9: search by name through the name index (cases/names.py) among a million people, against
decrypting the names of every row and comparing.

The data set ("names") is built apart from the others, in bulk: a million people of two units, with
names drawn from a skewed distribution (a few very common given names and surnames, a long tail of
rare ones, as a population has), each person's rows of the name index computed by cases/names.py and
bulk-inserted. Only a sample of the unit's people (``SAMPLE``) is encrypted for real, with their names
and a personal identity number of their birth year: encrypting a million people would measure the
data generation, not the search, and the search decrypts only its candidates. The baseline, which
must decrypt every row, is measured on the encrypted sample and its rate (people a second) is
reported as measured, with what it would take for the million.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
import uuid
from functools import cache, lru_cache

from django.db import transaction

from bench.rows import row

SIZES = {
    "full": {"people": 1_000_000, "unit": 100_000, "sample": 5_000},
    "quick": {"people": 50_000, "unit": 5_000, "sample": 1_000},
    "smoke": {"people": 600, "unit": 200, "sample": 60},
}
BATCH = 10_000
VERSION = 2  # the names drawn (name_for): a cached data set of another version is made anew
COMMON_GIVEN_SHARE = 0.3  # the rest are drawn from the long tail
COMMON_SURNAME_SHARE = 0.15  # the commonest then is about 3 % of everyone (Andersson: 2.3 % in Sweden)

GIVEN = (
    "Mohammed Ali Anna Erik Maria Lars Karl Eva Johan Sara Ahmed Fatima Amir Leila Omar Emma Elias Noah "
    "Hussein Yusuf Lina Maja Nora Hassan Ibrahim Abdi Hamza Sofia Ella Alice Olivia Liam William Lucas "
    "Oscar Hugo Adam Elsa Astrid Ebba Alva Saga Selma Ines Amina Zainab Khadija Mustafa Hodan Ayaan"
).split()
SURNAMES = (
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson "
    "Jonsson Jansson Hansson Ali Mohammed Ahmed Hassan Hussein Abdullahi Yusuf Omar Ibrahim Osman Lindberg "
    "Lindström Östberg Åberg Öberg Sjöberg Bergström Lundgren Lindqvist Berg Axelsson Nyström Holm Hedlund"
).split()
SYLLABLES = (
    ("Al", "Bj", "Ce", "Da", "Ek", "Fr", "Gu", "Ha", "Is", "Ju", "Kr", "Lö", "Ma", "No", "Ol", "Pa", "St"),
    ("bar", "den", "fal", "gren", "hol", "kan", "lin", "mar", "nor", "rik", "sel", "tor", "vik", "wal"),
    ("berg", "dal", "ström", "qvist", "man", "ius", "son", "ani", "ović", "oğlu", "ez", "ski", "i", "er"),
)


def _zipf(rng: random.Random, items) -> str:
    """A skewed pick (Zipf's law): the k-th item 1/k as common as the first."""
    return rng.choices(items, cum_weights=_cumulative(len(items)))[0]


@cache
def _cumulative(n: int) -> list[float]:
    total, weights = 0.0, []
    for k in range(1, n + 1):
        total += 1 / k
        weights.append(total)
    return weights


def _tail(rng: random.Random) -> str:
    return "".join(rng.choice(part) for part in SYLLABLES)


def name_for(i: int) -> tuple[str, str, int]:
    """The given names, surname and birth year of person ``i`` (the same on every run)."""
    rng = random.Random(i)
    pick_given = lambda: _zipf(rng, GIVEN) if rng.random() < COMMON_GIVEN_SHARE else _tail(rng)  # noqa: E731
    given = pick_given()
    if rng.random() < 0.4:
        given = f"{given} {pick_given()}"
    surname = _zipf(rng, SURNAMES) if rng.random() < COMMON_SURNAME_SHARE else _tail(rng)
    if rng.random() < 0.08:
        surname = f"{surname}-{_zipf(rng, SURNAMES)}"
    return given, surname, rng.randint(1940, 2012)


def number_born(year: int, i: int) -> str:
    from cases.personal_number import luhn_ok

    born = dt.date(year, 1, 1) + dt.timedelta(days=(i * 7) % 365)
    nine = f"{born:%y%m%d}{i % 999 + 1:03d}"
    check = next(d for d in "0123456789" if luhn_ok(nine + d))
    return f"{born:%Y%m%d}{i % 999 + 1:03d}{check}"


def say(text: str) -> None:
    print(f"  [names] {text}", file=sys.stderr, flush=True)


def build(mode: str) -> dict:
    """The people and their name index, in bulk (see the module's docstring)."""
    from accounts.models import Organisation, OrganisationKind
    from cases import names
    from cases.models import Person, PersonNameToken
    from lotsa.models import DataKey

    # The generation computes the same keyed hashes many times over (the common names): remembered,
    # in this process only.
    names.digest = lru_cache(maxsize=None)(names.digest)
    names.sfinxbis = lru_cache(maxsize=None)(names.sfinxbis)
    sizes = SIZES[mode]
    unit, _ = Organisation.objects.get_or_create(
        name="Bench names unit", defaults={"kind": OrganisationKind.DISTRICT_ADMINISTRATION}
    )
    other, _ = Organisation.objects.get_or_create(
        name="Bench names other unit", defaults={"kind": OrganisationKind.DISTRICT_ADMINISTRATION}
    )
    sample = []
    for offset in range(0, sizes["people"], BATCH):
        people, tokens, keys = [], [], []
        for i in range(offset, min(offset + BATCH, sizes["people"])):
            given, surname, year = name_for(i)
            organisation = unit if i < sizes["unit"] else other
            if i < sizes["sample"]:
                person, key = _encrypted(i, organisation, given, surname, year)
                sample.append(str(person.pk))
                keys.append(key)
            else:
                person = Person(id=uuid.uuid4(), organisation=organisation, protected_identity="none")
            people.append(person)
            tokens += [
                PersonNameToken(person_id=person.pk, kind=kind, digest=digest)
                for kind, digest in names.entries(given_names=given, surname=surname, birth_year=year)
            ]
        with transaction.atomic():
            DataKey.objects.bulk_create(keys)
            Person.objects.bypassing_guard("benchmark data, encrypted before insert").bulk_create(people)
            PersonNameToken.objects.bulk_create(tokens, batch_size=BATCH)
        if (offset // BATCH) % 10 == 0:
            say(f"people {offset + len(people):,} of {sizes['people']:,}")
    return {"unit": unit.pk, "sample": sample, "tokens": PersonNameToken.objects.count()}


def _encrypted(i: int, organisation, given: str, surname: str, year: int):
    from cases.models import Person
    from lotsa import crypto, keyfile
    from lotsa.models import DataKey

    pid = uuid.uuid4()
    dek = keyfile.new_key()
    number = number_born(year, i)
    version = crypto.key_material().current_version
    key = DataKey(subject_id=pid, master_version=version, wrapped_key=crypto.wrap_data_key(pid, dek, version))
    fields = {"given_names": given, "surname": surname, "personal_number": number}
    encrypted = {
        name: crypto.encrypt_with_key(
            dek, value.encode(), label="cases.person", field=name, pk=pid, subject_id=pid
        )
        for name, value in fields.items()
    }
    index = Person._meta.get_field("personal_number_index").index_of(number)
    person = Person(
        id=pid,
        organisation=organisation,
        protected_identity="none",
        personal_number_index=index,
        **encrypted,
    )
    return person, key


def _search(organisation_id, query) -> list:
    """What the search does (cases.selectors.cases_found_by_name, less the case policy and the audit
    event, measured in rows 1-3 and 5): the candidates from the index, then each candidate's names
    and birth date decrypted to confirm it."""
    from cases import queries
    from cases.models import Person
    from lotsa import crypto

    with crypto.key_cache():
        candidates = queries.people_named(organisation_id=organisation_id, query=query, limit=201)
        crypto.prefetch_data_keys(candidates)
        found = []
        for person in Person.objects.filter(pk__in=candidates, given_names__isnull=False):
            matches, _ = query.matches(
                given_names=person.given_names, surname=person.surname, birth_date=person.birth_date
            )
            if matches:
                found.append(person.pk)
        return found, len(candidates)


def _scan(organisation_id, query, sample) -> list:
    """The baseline: read every encrypted row, decrypt its names and number, compare."""
    from cases.models import Person
    from lotsa import crypto

    found = []
    people = Person.objects.filter(pk__in=sample, organisation_id=organisation_id).only(
        "id", "given_names", "surname", "personal_number"
    )
    with crypto.key_cache():
        crypto.prefetch_data_keys(sample)
        for person in people:
            matches, _ = query.matches(
                given_names=person.given_names, surname=person.surname, birth_date=person.birth_date
            )
            if matches:
                found.append(person.pk)
    return found


def measure(mode: str, info: dict) -> list[dict]:
    from cases import names

    sizes = SIZES[mode]
    sample = info["sample"]
    rng = random.Random(30)
    targets = rng.sample(range(sizes["sample"]), min(20, sizes["sample"]))
    queries = []
    for i in targets:
        given, surname, year = name_for(i)
        first = given.split()[0]
        queries.append(("given name and surname", names.parse(f"{first} {surname}"), i))
        queries.append(("surname and birth year", names.parse(surname, born=str(year)), i))
    repeats = {"full": 10, "quick": 5, "smoke": 1}[mode]
    times, candidates, missed, capped = {}, [], 0, 0
    for _ in range(repeats):
        for shape, query, i in queries:
            started = time.perf_counter()
            found, proposed = _search(info["unit"], query)
            times.setdefault(shape, []).append(time.perf_counter() - started)
            candidates.append(proposed)
            if proposed > 200:
                capped += 1  # the page shows the first and asks for another name or the birth date
            elif str(sample[i]) not in {str(pk) for pk in found}:
                missed += 1
    assert missed == 0, f"{missed} searches missed their person"
    started = time.perf_counter()
    for _shape, query, _i in queries[:4]:
        _scan(info["unit"], query, sample)
    scan_each = (time.perf_counter() - started) / 4
    rate = len(sample) / scan_each
    everyone = sizes["people"] / rate
    rows = []
    for shape, samples in sorted(times.items()):
        median = statistics.median(samples)
        rows.append(
            row(
                9,
                f"find by name ({shape}) among {sizes['people']:,} people",
                round(median * 1000, 2),
                "ms median",
                f"decrypt and compare every row ({rate:,.0f} people/s measured on {len(sample):,})",
                round(everyone * 1000, 0),
                round(everyone / median, 0),
                f"{len(samples)} searches; candidates from the index: median "
                f"{statistics.median(candidates):.0f}, at most {max(candidates)} ({capped} of "
                f"{len(candidates)} searches capped at 200, asked to narrow); the baseline for "
                f"{sizes['people']:,} extrapolated from the measured rate",
            )
        )
    return rows
