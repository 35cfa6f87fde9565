"""The last entry of a person's file, found by one aggregate query over every app's records.

Why an aggregate and not a denormalised ``last_entry_at`` kept by every service: the file is written
by six apps through some forty services (a journal entry, a consent, a group's shared entry, a BOPS
assessment, a placement, a relative's conversation, ...); a column each of them must remember to move
would be wrong the day one forgets, and would need a migration and a write in every app. Every
personal record is built on ``cases.records.PersonalRecord`` and carries its person, and each has the
moment it was written, so one ``UNION ALL`` of per-table ``MAX``es, grouped by person and indexed by
the person's foreign key, answers for a page (one person) or a unit's draw (all of them) in one query.

Only dates and counts are read here, never a value of a record: nothing is decrypted, and nothing of
what is read is personal content. Tables are named by label (``apps.get_model``): retention reads the
moment each record was written, and nothing else of another app's tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable

from django.apps import apps
from django.db import connection
from django.db.models import Count, DateField, DateTimeField, Max, Q
from django.utils import timezone

from lotsa.compiled import CompiledOnce

# Each record that is an entry of the file, with the moments it was written (or changed for good).
# A field may be a date (``*_on``) or a field of a related row (``meeting__held_on``): a day counts
# as written at its local noon (only its local day matters to the rules).
SOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cases.Case", ("opened_at", "closed_at")),
    ("cases.JournalEntry", ("created_at", "signed_at")),
    ("cases.CaseStatusChange", ("changed_at",)),
    ("cases.FirstContact", ("created_at",)),
    ("cases.FirstContactMeeting", ("recorded_at",)),
    ("cases.ConcernReport", ("recorded_at",)),
    ("cases.Handover", ("sent_at", "decided_at", "kept_open_at")),
    ("cases.ProtectionLowering", ("decided_at",)),
    ("consent.Consent", ("recorded_at", "withdrawn_at")),
    ("consent.Disclosure", ("disclosed_at",)),
    ("sig.ThreatAssessment", ("recorded_at",)),
    ("sig.SharedEntry", ("created_at",)),
    ("sig.Meeting", ("held_on",)),
    ("sig.MinutesItem", ("meeting__held_on",)),
    ("sig.Goal", ("created_at",)),
    ("sig.PlanAction", ("done_on",)),
    (
        "defectors.Enrolment",
        (
            "conditions_signed_on",
            "not_protected_witness_confirmed_at",
            "threat_lowered_at",
            "continue_decided_at",
        ),
    ),
    ("defectors.BopsAssessment", ("recorded_at",)),
    ("defectors.SupportDecision", ("created_at", "reviewed_at")),
    ("defectors.Intervention", ("decided_at",)),
    ("defectors.Placement", ("created_at",)),
    ("defectors.FollowUp", ("recorded_at",)),
    ("relatives.Relation", ("recorded_at",)),
    ("relatives.SupportConversation", ("recorded_at",)),
)
# Records about a person that are not entries of the file: the staff's requests about the file (to
# be assigned, to take a case over, to merge two records, to read it in an emergency) are
# administration of access, not documentation of the person's matter; a request to read or take
# over a file must not push its erasure five years on. They are kept or erased with the person
# (cases.services.person_erase), and the access log has each of them.
NOT_ENTRIES: dict[str, str] = {
    "cases.AssignmentRequest": "a staff member's request to be assigned to the case",
    "cases.HandoverRequest": "a unit's request to take a case over",
    "cases.PersonMerge": "a request to merge two records of one person",
    "consent.EmergencyAccess": "a staff member's emergency access to read the file",
}
CASE = "cases.Case"
PLACEMENT = "defectors.Placement"
HOLD = "retention.Hold"
# People per query: each of the union's parts names them all, and a query's parameters are bounded
# (SQLite 32766, PostgreSQL 65535), so a unit's whole draw is read in chunks of this many.
CHUNK = 500


def _chunks(person_ids: Iterable) -> list[list]:
    ids = list(person_ids)
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def last_entries(person_ids: Iterable) -> dict:
    """person id -> the moment of the last entry of their file (people without any are left out)."""
    found: dict = {}
    for ids in _chunks(person_ids):
        found.update(_last_entries(ids))
    return found


def _person_field(model) -> str:
    """The field naming the person a record is about (a concern report's is its child)."""
    return model.encryption_subject_field.removesuffix("_id")


def _is_day(model, field: str) -> bool:
    *path, last = field.split("__")
    for step in path:
        model = model._meta.get_field(step).related_model
    found = model._meta.get_field(last)
    return isinstance(found, DateField) and not isinstance(found, DateTimeField)


def _as_moment(at) -> dt.datetime:
    """A union's value as an aware moment: a day at its local noon, a naive moment (SQLite hands a
    union's values back as text, in UTC) made aware."""
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at) if len(at) > 10 else dt.date.fromisoformat(at)
    if not isinstance(at, dt.datetime):
        return timezone.make_aware(dt.datetime.combine(at, dt.time(12)))
    if timezone.is_naive(at):
        return timezone.make_aware(at, dt.UTC)
    return at


def _unions(ids: list) -> list:
    """The two unions of per-table ``MAX``es for ``ids`` (days and moments: a union's columns have one
    type)."""
    parts: dict[bool, list] = {False: [], True: []}
    for label, fields in SOURCES:
        model = apps.get_model(label)
        person = _person_field(model)
        for field in fields:
            parts[_is_day(model, field)].append(
                model._base_manager.filter(**{f"{person}_id__in": ids, f"{field}__isnull": False})
                .order_by()
                .values(person)
                .annotate(at=Max(field))
                .values_list(person, "at")
            )
    return [queries[0].union(*queries[1:], all=True) for queries in parts.values()]


def _last_entries(ids: list) -> dict:
    found: dict = {}
    for union in _unions(ids):
        for person_id, at in union:
            at = _as_moment(at)
            if person_id not in found or at > found[person_id]:
                found[person_id] = at
    return found


@dataclasses.dataclass(frozen=True)
class OneFile:
    """What the retention date of one person's file is decided from, as :func:`file_of` reads it."""

    last_entry_at: dt.datetime | None
    open_cases: int
    placements: int
    held: bool


def file_of(person_id) -> OneFile:
    """One person's file for a page showing its retention date: the moment of its last entry (as
    :func:`last_entries` reads it: the same two unions), its open cases and placements (as
    :func:`open_cases_and_placements`) and whether a hold stands on it, in one statement.

    Read anew on every call; only the statement's text is kept, compiled once per process and database
    (lotsa.compiled): building and compiling some thirty ORM querysets cost the case page several
    times what the database takes to answer them (docs/benchmarks.md)."""
    day, moment, open_cases, placements, held = _ONE_FILE.fetch_row(person_id)
    moments = [_as_moment(at) for at in (day, moment) if at is not None]
    return OneFile(
        last_entry_at=max(moments, default=None),
        open_cases=open_cases or 0,
        placements=placements or 0,
        held=bool(held),
    )


def _person_pk():
    return apps.get_model("cases.Person")._meta.pk


def _one_file_sql(probe) -> tuple[str, list]:
    """The statement of :func:`file_of`, for ``probe``: each column Django's own SQL for its queryset,
    read as one value. A union's latest moment is the ``MAX`` of its per-table ``MAX``es (a day at its
    local noon, later in Python, keeps the order of days)."""
    counts = _open_cases_and_placements_query([probe])
    held = apps.get_model(HOLD)._base_manager.filter(person_id=probe, lifted_at__isnull=True).values("pk")
    return _ONE_FILE.row(
        [
            *(("(SELECT MAX(entries.at) FROM ({}) entries)", union) for union in _unions([probe])),
            ('(SELECT counts."open" FROM ({}) counts)', counts),
            ('(SELECT counts."placed" FROM ({}) counts)', counts),
            ("EXISTS ({})", held),
        ]
    )


# Compiled for a person id no record names (lotsa.compiled), then given the asked person's id.
_ONE_FILE = CompiledOnce(
    "retention.entries.file_of",
    probe=uuid.UUID(int=0),
    prepare=lambda person_id: _person_pk().get_db_prep_value(person_id, connection, prepared=False),
    compile=_one_file_sql,
)


def open_cases_and_placements(person_ids: Iterable) -> dict:
    """person id -> (open cases, placements), in one query (per chunk of people)."""
    found: dict = {}
    for ids in _chunks(person_ids):
        found.update(_open_cases_and_placements(ids))
    return found


def _open_cases_and_placements(ids: list) -> dict:
    rows = _open_cases_and_placements_query(ids)
    return {row["person_id"]: (row["open"], row["placed"]) for row in rows}


def _open_cases_and_placements_query(ids: list):
    return (
        apps.get_model(CASE)
        ._base_manager.filter(person_id__in=ids)
        .order_by()
        .values("person_id")
        .annotate(
            open=Count("pk", filter=~Q(status="closed"), distinct=True),
            placed=Count("placements", distinct=True),
        )
    )


def record_counts(person_ids: Iterable) -> dict:
    """person id -> {table label: how many records}, for the certificate (counts, never content)."""
    found: dict = {}
    for ids in _chunks(person_ids):
        _count_into(found, ids)
    return found


def _count_into(found: dict, ids: list) -> None:
    for label, _fields in SOURCES:
        model = apps.get_model(label)
        person = _person_field(model)
        rows = (
            model._base_manager.filter(**{f"{person}_id__in": ids})
            .order_by()
            .values(person)
            .annotate(n=Count("pk"))
            .values_list(person, "n")
        )
        for person_id, n in rows:
            found.setdefault(person_id, {})[label] = n
