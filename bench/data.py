"""Generating the benchmark data sets, fast, and keeping them between runs.

Two data sets per database engine:
* ``cases``: one unit's people and cases (one case each), a social worker responsible for one case
  in fifty, two cases with 10 and 100 signed journal entries, the plaintext copy of all of it, and a
  long access-log chain;
* ``people``: people in two units, for the personal-identity-number lookups.

Rows are built with the real encryption (per-person data keys, the real field format and blind
index) but inserted in bulk, which is what makes a million people take minutes rather than hours.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid

from django.db import transaction
from django.utils import timezone

DATA_VERSION = 4  # 4: the access log is sealed (audit migration 0004)

SIZES = {
    "full": {"cases": 100_000, "people": 1_000_000, "people_small": 100_000, "events": 1_000_000},
    "quick": {"cases": 5_000, "people": 50_000, "people_small": 5_000, "events": 50_000},
    "smoke": {"cases": 60, "people": 300, "people_small": 60, "events": 300},
}
RESPONSIBLE_EVERY = 50
BATCH = 5_000


def say(text: str) -> None:
    print(f"  [data] {text}", file=sys.stderr, flush=True)


def number_for(i: int) -> str:
    """A distinct valid personal identity number for every i below about 29 million."""
    from cases.personal_number import luhn_ok

    born = dt.date(1930, 1, 1) + dt.timedelta(days=i // 999)
    nine = f"{born:%y%m%d}{i % 999 + 1:03d}"
    check = next(d for d in "0123456789" if luhn_ok(nine + d))
    return f"{born:%Y%m%d}{i % 999 + 1:03d}{check}"


def name_of(i: int) -> tuple[str, str]:
    """The given names and surname the data set gives its i-th person (the one of number_for(i))."""
    return f"Förnamn{i}", f"Efternamn{i}"


def index_of_name(given_names: str, surname: str) -> int | None:
    """The i of a person the data set named (name_of(i)); None for a name it did not give."""
    digits = given_names.removeprefix("Förnamn")
    if (
        given_names.startswith("Förnamn")
        and digits.isdigit()
        and name_of(int(digits)) == (given_names, surname)
    ):
        return int(digits)
    return None


def _person_rows(organisation, numbers):
    """Encrypted Person rows and their wrapped data keys, plus the keys, for a list of numbers."""
    from cases.models import Person
    from lotsa import crypto, keyfile
    from lotsa.models import DataKey

    version = crypto.key_material().current_version
    index = Person._meta.get_field("personal_number_index")
    fields = {name: Person._meta.get_field(name) for name in Person.ENCRYPTED_FIELDS}
    people, keys, plain = [], [], {}
    for i, number in numbers:
        pid = uuid.uuid4()
        dek = keyfile.new_key()
        values = {
            "given_names": name_of(i)[0],
            "surname": name_of(i)[1],
            "personal_number": number,
            "contact": {"phone": f"070-{i:07d}"},
            "address": {"street": f"Benchgatan {i % 200}", "postcode": "164 00", "town": "Stockholm"},
        }
        encrypted = {
            name: crypto.encrypt_with_key(
                dek, fields[name].encode(value), label="cases.person", field=name, pk=pid, subject_id=pid
            )
            for name, value in values.items()
        }
        people.append(
            Person(
                id=pid,
                organisation=organisation,
                personal_number_index=index.index_of(number),
                protected_identity="none",
                **encrypted,
            )
        )
        keys.append(
            DataKey(
                subject_id=pid, master_version=version, wrapped_key=crypto.wrap_data_key(pid, dek, version)
            )
        )
        plain[pid] = (values, dek)
    return people, keys, plain


def _insert_people(organisation, start: int, count: int, *, on_batch=None):
    from cases.models import Person
    from lotsa.models import DataKey

    for offset in range(0, count, BATCH):
        numbers = [(i, number_for(i)) for i in range(start + offset, start + min(offset + BATCH, count))]
        people, keys, plain = _person_rows(organisation, numbers)
        with transaction.atomic():
            DataKey.objects.bulk_create(keys)
            Person.objects.bypassing_guard("benchmark data, encrypted before insert").bulk_create(people)
            if on_batch:
                on_batch(people, plain)
        if (offset // BATCH) % 20 == 0:
            say(f"people {offset + len(people):,} of {count:,}")


def _organisations():
    from accounts.models import Organisation, OrganisationKind

    unit, _ = Organisation.objects.get_or_create(
        name="Bench stadsdelsförvaltning", defaults={"kind": OrganisationKind.DISTRICT_ADMINISTRATION}
    )
    other, _ = Organisation.objects.get_or_create(
        name="Other stadsdelsförvaltning", defaults={"kind": OrganisationKind.DISTRICT_ADMINISTRATION}
    )
    return unit, other


def _users(unit):
    from accounts.models import RoleGrant, User
    from accounts.roles import Role

    users = {}
    for username, role in (
        ("bench.worker", Role.SOCIAL_WORKER),
        ("bench.colleague", Role.SOCIAL_WORKER),
        ("bench.supervisor", Role.SUPERVISOR),
    ):
        user, _ = User.objects.get_or_create(
            username=username, defaults={"organisation": unit, "first_name": "Bench", "last_name": username}
        )
        RoleGrant.objects.get_or_create(user=user, role=role)
        users[username] = user
    return users


def build_cases(sizes: dict) -> dict:
    from audit import services as audit
    from audit.models import Action
    from bench.models import PlainCase, PlainJournalEntry, PlainPerson, PlainStatusChange
    from cases.models import Case, CaseStatusChange, JournalEntry
    from cases.services import case_latest_activity_recount
    from lotsa import crypto

    unit, _other = _organisations()
    users = _users(unit)
    worker, colleague = users["bench.worker"], users["bench.colleague"]
    counter = {"n": 0}
    detail = {}

    def add_cases(people, plain):
        cases, plain_people, plain_cases = [], [], []
        for person in people:
            values, dek = plain[person.pk]
            n = counter["n"]
            counter["n"] += 1
            responsible = worker if n % RESPONSIBLE_EVERY == 0 else colleague
            case = Case(
                id=uuid.uuid4(),
                person=person,
                owner_unit=unit,
                responsible=responsible,
                activity="intervention_group",
                milieu="unclear",
                status="active",
            )
            cases.append(case)
            plain_person = PlainPerson(
                id=uuid.uuid4(),
                organisation=unit,
                given_names=values["given_names"],
                surname=values["surname"],
                personal_number=values["personal_number"],
                contact=values["contact"],
                address=values["address"],
            )
            plain_people.append(plain_person)
            plain_cases.append(
                PlainCase(
                    id=uuid.uuid4(),
                    person=plain_person,
                    owner_unit=unit,
                    responsible=responsible,
                    activity="intervention_group",
                    milieu="unclear",
                    status="active",
                )
            )
            if n in (0, RESPONSIBLE_EVERY):
                detail[n] = (case, plain_cases[-1], dek)
        Case.objects.bypassing_guard("benchmark data, encrypted before insert").bulk_create(cases)
        PlainPerson.objects.bulk_create(plain_people)
        PlainCase.objects.bulk_create(plain_cases)

    _insert_people(unit, 0, sizes["cases"], on_batch=add_cases)

    journal_sizes = {}
    for (_n, (case, plain_case, dek)), entries in zip(sorted(detail.items()), (10, 100), strict=True):
        journal_sizes[entries] = {"case": str(case.pk), "plain_case": str(plain_case.pk)}
        now = timezone.now()
        rows, plain_rows = [], []
        field = JournalEntry._meta.get_field("text")
        for i in range(entries):
            text = f"Anteckning {i}: " + "Samtal om boende, skola och fritid. " * 8
            eid = uuid.uuid4()
            rows.append(
                JournalEntry(
                    id=eid,
                    case=case,
                    person_id=case.person_id,
                    category="housing",
                    author=worker,
                    signed_at=now,
                    signed_by=worker,
                    text=crypto.encrypt_with_key(
                        dek,
                        field.encode(text),
                        label="cases.journalentry",
                        field="text",
                        pk=eid,
                        subject_id=case.person_id,
                    ),
                )
            )
            plain_rows.append(
                PlainJournalEntry(
                    case=plain_case,
                    category="housing",
                    text=text,
                    author=worker,
                    signed_at=now,
                    signed_by=worker,
                )
            )
        JournalEntry.objects.bypassing_guard("benchmark data, encrypted before insert").bulk_create(rows)
        PlainJournalEntry.objects.bulk_create(plain_rows)
        CaseStatusChange.objects.create(
            case=case, person_id=case.person_id, status="opened", changed_by=worker
        )
        PlainStatusChange.objects.create(case=plain_case, status="opened", changed_by=worker)
        # Written past the services, so the case's latest activity is counted from them here (the
        # other cases' is their opening, which bulk_create fills: Case.latest_activity).
        case_latest_activity_recount(case_ids=[case.pk])

    say(f"access log: {sizes['events']:,} events")
    from django.conf import settings

    settings.LOTSA_AUDIT_ANCHOR_FILE.unlink(missing_ok=True)  # a new database starts a new anchor file
    audit.witness_path().unlink(missing_ok=True)  # and a new witness
    for offset in range(0, sizes["events"], 10_000):
        count = min(10_000, sizes["events"] - offset)
        audit.append(
            audit.Event(action=Action.VIEW, target_type="cases.case", target_id=str(i), reason="bench")
            for i in range(count)
        )
        if (offset // 10_000) % 20 == 0:
            say(f"events {offset + count:,} of {sizes['events']:,}")
    from audit import chain

    say(f"sealed {chain.seal_pending():,} events")
    return {"journal": journal_sizes, "worker": worker.pk}


def build_people(sizes: dict) -> dict:
    unit, other = _organisations()
    _insert_people(unit, 0, sizes["people_small"])
    _insert_people(other, sizes["people_small"], sizes["people"] - sizes["people_small"])
    # One number in the small unit, half-way in; the scans do not know where to find it.
    return {"target": number_for(sizes["people_small"] // 2), "unit": unit.pk}
