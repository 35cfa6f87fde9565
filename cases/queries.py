"""Reads of cases that trust a decision already made and recorded by the caller (a selector of this app or
another): counts, subqueries and a person's holdings for a subject access extract; and, for other apps,
the case or the people a door of theirs decides on (found, never shown: the caller asks lotsa.access
before anything of it is read). None of them asks lotsa.access; every read that decides is a selector."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cases import names
from cases.access import CasePolicy, assigned_case_ids
from cases.models import (
    Case,
    CaseStatusChange,
    CaseUserObjectPermission,
    CaseVisit,
    FirstContact,
    FirstContactMeeting,
    Handover,
    HandoverSource,
    JournalEntry,
    Person,
    PersonMerge,
    PersonMergeStatus,
    PersonNameToken,
    ProtectionLowering,
    ProtectionLoweringStatus,
)
from lotsa.compiled import CompiledOnce
from lotsa.crypto import blind_index_lookup
from lotsa.errors import DomainError

# What a case's latest activity is made of besides its opening: the rows of these models (linked to
# the case by ``case``), by these timestamps. The case keeps the newest (Case.latest_activity), moved
# by the services that write them; tests/test_latest_activity.py finds every place that writes them.
LATEST_ACTIVITY_SOURCES = ((JournalEntry, "created_at"), (CaseStatusChange, "changed_at"))


def latest_activity_computed() -> Greatest:
    """A case's latest activity computed from its rows (timestamps only: nothing encrypted is read), as
    an expression over the case's row: what ``Case.latest_activity`` keeps, for recounting it (an
    update) and for checking it (an annotation)."""
    newest = [
        Coalesce(
            Subquery(model.objects.filter(case=OuterRef("pk")).order_by(f"-{field}").values(field)[:1]),
            F("opened_at"),
        )
        for model, field in LATEST_ACTIVITY_SOURCES
    ]
    return Greatest(F("opened_at"), *newest)


def first_contacts_counted(*, since: dt.date, until: dt.date) -> dict:
    """For the coordinator's reports: the first contacts flagged in a period, counted by referrer and by
    the outcome of their latest meeting ("no meeting yet" too). Counts only, never a name; the
    coordinator's pages apply small-number suppression to them."""
    contacts = FirstContact.objects.filter(flagged_on__gte=since, flagged_on__lte=until)
    latest = FirstContactMeeting.objects.filter(first_contact=OuterRef("pk")).order_by(
        "-held_on", "-recorded_at"
    )
    by_outcome = contacts.annotate(outcome=Subquery(latest.values("outcome")[:1])).values("outcome")
    return {
        "by_referrer": {
            row["referrer"]: row["n"] for row in contacts.values("referrer").annotate(n=Count("pk"))
        },
        "by_outcome": {
            row["outcome"] or "no_meeting": row["n"] for row in by_outcome.annotate(n=Count("pk")).order_by()
        },
    }


# For the review of the access log (supervision/log_review.py): identifiers only, never a name, so these
# reads show no one and record nothing.
def people_kept_by(*, organisation_id) -> QuerySet:
    """The ids of the people a unit keeps a record of, as a subquery."""
    return Person.objects.filter(organisation_id=organisation_id).values("pk")


def protected_people_kept_by(*, organisation_id) -> QuerySet:
    people = Person.objects.filter(organisation_id=organisation_id)
    return people.exclude(protected_identity="none").values("pk")


def handlers_of_unit(*, organisation_id) -> set[tuple[int, object]]:
    """(user id, person id) for every named handler — responsible or assigned — of the unit's cases."""
    cases = Case.objects.filter(owner_unit_id=organisation_id)
    pairs = {(user, person) for user, person in cases.values_list("responsible_id", "person_id") if user}
    assigned = CaseUserObjectPermission.objects.filter(
        permission__codename="view_case", content_object__owner_unit_id=organisation_id
    ).values_list("user_id", "content_object__person_id")
    pairs.update(assigned)
    return pairs


def holdings_of(*, person: Person, organisation_id) -> list[tuple[str, list[str]]]:
    """What the unit holds about the person, as (heading, lines), for the subject access extract.
    Called only after the extract's EXPORT decision naming the person is recorded; it records nothing
    itself. Journal texts are listed by date and category: the texts themselves are given out on
    request after a secrecy assessment (OSL 12 kap.), not in this extract."""
    identity = [
        _("Name: %(name)s") % {"name": f"{person.given_names} {person.surname}"},
        _("Personal identity number: %(number)s") % {"number": person.personal_number_display},
    ]
    contact = person.contact or {}
    if contact.get("phone") or contact.get("email"):
        identity.append(
            _("Contact details: %(details)s")
            % {"details": ", ".join(v for v in (contact.get("phone"), contact.get("email")) if v)}
        )
    address = person.address or {}
    if address:
        identity.append(
            _("Address: %(address)s")
            % {
                "address": ", ".join(
                    v for v in (address.get("street"), address.get("postcode"), address.get("town")) if v
                )
            }
        )
    if person.is_protected:
        identity.append(
            _("Protected personal data: %(level)s") % {"level": person.get_protected_identity_display()}
        )
    cases = list(Case.objects.filter(person=person, owner_unit_id=organisation_id).order_by("opened_at"))
    case_lines = []
    for case in cases:
        line = _("%(activity)s, opened %(opened)s, %(status)s") % {
            "activity": case.get_activity_display(),
            "opened": timezone.localtime(case.opened_at).date().isoformat(),
            "status": case.get_status_display().lower(),
        }
        case_lines.append(line)
    journal = []
    entries = (
        JournalEntry.objects.filter(case__in=cases)
        .order_by("created_at")
        .values_list("created_at", "category")
    )
    labels = dict(JournalEntry._meta.get_field("category").choices)
    for created, category in entries:
        journal.append(f"{timezone.localtime(created).date().isoformat()} - {labels.get(category, category)}")
    return [
        (_("Identity"), identity),
        (_("Cases"), case_lines or [_("None")]),
        (_("Journal entries (date and category)"), journal or [_("None")]),
    ]


# --- For the archive's package (retention.archive) --------------------------------------------------
# Called only after the package's EXPORT decision on each of the person's cases is recorded; they record
# nothing themselves. The unit's whole file, not what one reader may see of it; never a protected address.


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def archive_cases_of(*, person_id) -> list[Case]:
    """The person record's cases (a record is its unit's: every case is the unit's), oldest first."""
    return list(
        Case.objects.filter(person_id=person_id)
        .select_related("person", "owner_unit", "responsible")
        .order_by("opened_at", "pk")
    )


def archive_identity_of(person: Person) -> list[str]:
    """Who the file is about. A protected person's address is left out (domain rule: never in an
    export); the protection itself is said, so the archive knows to keep the package under secrecy."""
    lines = [
        _("Name: %(name)s") % {"name": f"{person.given_names} {person.surname}"},
        _("Personal identity number: %(number)s") % {"number": person.personal_number_display or "-"},
    ]
    if person.birth_date:
        lines.append(_("Date of birth: %(day)s") % {"day": person.birth_date.isoformat()})
    contact = person.contact or {}
    if contact.get("phone") or contact.get("email"):
        lines.append(
            _("Contact details: %(details)s")
            % {"details": ", ".join(v for v in (contact.get("phone"), contact.get("email")) if v)}
        )
    if person.is_protected:
        lines.append(
            _("Protected personal data: %(level)s") % {"level": person.get_protected_identity_display()}
        )
        lines.append(_("Address: protected, not in this package."))
    else:
        address = person.address or {}
        parts = (address.get("street"), address.get("postcode"), address.get("town"))
        shown = ", ".join(v for v in parts if v)
        lines.append(_("Address: %(address)s") % {"address": shown or "-"})
    return lines


def archive_file_of(case: Case) -> list[tuple[str, list[str]]]:
    """The case, its status history (the decisions to open and close it) and every signed journal
    entry, oldest first, as (heading, lines). Drafts are not part of the file."""
    facts = [
        _("Case reference: %(id)s") % {"id": case.pk},
        _("Activity: %(activity)s") % {"activity": case.get_activity_display()},
        _("Milieu: %(milieu)s") % {"milieu": case.get_milieu_display()},
        _("Status: %(status)s") % {"status": case.get_status_display()},
        _("Owning unit: %(unit)s") % {"unit": case.owner_unit.name},
        _("Opened: %(when)s") % {"when": _when(case.opened_at)},
        _("Closed: %(when)s") % {"when": _when(case.closed_at)},
    ]
    history = []
    changes = CaseStatusChange.objects.filter(case=case).select_related("changed_by").order_by("changed_at")
    for change in changes:
        who = change.changed_by.get_full_name() or change.changed_by.username
        line = f"{_when(change.changed_at)} · {change.get_status_display()} · {who}"
        if change.reason:
            line += f" · {change.get_reason_display()}"
        history.append(line)
        if change.reason_text:
            history.append(change.reason_text)
    journal = []
    entries = (
        JournalEntry.objects.filter(case=case, signed_at__isnull=False)
        .select_related("author", "corrects")
        .order_by("created_at", "pk")
    )
    for entry in entries:
        author = entry.author.get_full_name() or entry.author.username
        journal.append(f"{_when(entry.created_at)} · {entry.get_category_display()} · {author}")
        if entry.corrects_id:
            journal.append(_("Corrects the entry of %(when)s") % {"when": _when(entry.corrects.created_at)})
        journal.append(entry.text)
        journal.append(_("Signed %(when)s") % {"when": _when(entry.signed_at)})
    return [
        (_("Case"), facts),
        (_("Status history"), history or [_("None")]),
        (_("Journal: signed entries"), journal or [_("No entry is signed.")]),
    ]


# --- For other apps' doors ---------------------------------------------------------------------------
# Another app reaches cases' rows through these, not through cases.models (tests/test_project.py, the
# import contract). Each finds or narrows and reads nothing: the caller decides (lotsa.access) and
# records before anything of what it returns is shown.


def case_policy_visible(*, user) -> QuerySet[Case]:
    """The cases the case policy lets ``user`` see, as a subquery: for the policies of records that are
    read under the rules of their case (a consent, a group, the programme's records, a relation)."""
    return CasePolicy().visible(user, Case.objects.all())


def case_found(*, case_id, related: tuple[str, ...] = ()) -> Case:
    """The case a page decides on, with ``related`` joined (404 when there is no such case). Nothing of
    it is shown before the page's own decision (lotsa.posting, or a selector) is recorded."""
    cases = Case.objects.select_related(*related) if related else Case.objects.all()
    return get_object_or_404(cases, pk=case_id)


def case_for_service(
    *, case_id, related: tuple[str, ...] = ("person",), lock: bool = False, lock_of: tuple[str, ...] = ()
) -> Case:
    """The case a service decides on and changes (``Case.DoesNotExist`` when there is none), locked
    for the transaction when ``lock`` (only its own row with ``lock_of=("self",)``)."""
    cases = Case.objects.select_related(*related)
    if lock:
        cases = cases.select_for_update(of=lock_of)
    return cases.get(pk=case_id)


def cases_of_person(*, person_id) -> QuerySet[Case]:
    """Every case of a person record, for the caller to narrow."""
    return Case.objects.filter(person_id=person_id)


def cases_responsible(*, user) -> QuerySet[Case]:
    """The cases ``user`` is the responsible social worker of, for the caller to narrow with
    lotsa.access."""
    return Case.objects.filter(responsible=user)


def cases_handled_by(*, user) -> QuerySet[Case]:
    """The cases ``user`` is a named handler of (responsible, or assigned) in their own unit, for the
    caller to narrow with lotsa.access: "my own" work, as the calendar lists it."""
    if user.organisation_id is None:
        return Case.objects.none()
    return Case.objects.filter(
        Q(responsible_id=user.pk) | Q(pk__in=assigned_case_ids(user)), owner_unit_id=user.organisation_id
    )


def people() -> QuerySet[Person]:
    """Every person record, for a door to narrow with lotsa.access (a list), or to find one by id and
    decide on it (a page)."""
    return Person.objects.all()


def people_with_index(*, index) -> QuerySet[Person]:
    """Every unit's record of the person whose personal identity number has this blind index (a value,
    or a subquery of one): the one finder of one person's records across units, which never decrypts a
    number to match (erasure finds them by a typed number, the threat picture by a record's own index).
    Found, never shown."""
    return Person.objects.filter(personal_number_index=index)


def other_units_records_of_number(*, canonical_number: str, organisation_id) -> QuerySet[Person]:
    """Other units' records, not erased, of the person with this personal identity number (through
    its blind index): the candidates of a cross-unit lookup. Found, never shown: each is decided
    (cases.access, CROSS_UNIT_LOOKUP) before anything is said of it."""
    return (
        Person.objects.filter(**blind_index_lookup(Person, "personal_number_index", canonical_number))
        .exclude(organisation_id=organisation_id)
        .filter(erased_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )


def records_of_same_person(*, person_id) -> QuerySet[Person]:
    """Every unit's record of the same person as the record ``person_id`` (itself included), through
    the blind index that record already holds; none when it holds none (erased), and no erased record.
    Found, never shown: the caller decides (consent.policy) before anything of them is read."""
    own = Person.objects.filter(pk=person_id).values("personal_number_index")[:1]
    return people_with_index(index=Subquery(own)).filter(erased_at__isnull=True)


def same_person_as_outer(path: str) -> dict:
    """SQL twin of :func:`records_of_same_person`, as lookups for a subquery: its rows whose person (at
    ``path``) is a record, not erased, of the same person as the outer row's ``person`` (through the
    blind index; none when the outer record holds none)."""
    return {
        f"{path}__personal_number_index": OuterRef("person__personal_number_index"),
        f"{path}__erased_at__isnull": True,
    }


def latest_of_same_person(records: QuerySet, *, person_id):
    """One person, one threat picture: the newest of ``records`` (by its model's own ordering, newest
    first) kept in any unit's record of the same person as the record ``person_id`` — one timeline of
    the person, seen from another's page. Found, never shown: lotsa.access decides before it is read."""
    newest_first = [*records.model._meta.ordering, "-pk"]
    same_person = records_of_same_person(person_id=person_id)
    return records.filter(person__in=same_person).order_by(*newest_first).first()


def is_latest_of_same_person(model) -> Q:
    """SQL twin of :func:`latest_of_same_person`: the rows of ``model`` that are the newest of their
    model among every unit's record of their person."""
    newest_first = [*model._meta.ordering, "-pk"]
    newest = model._base_manager.filter(**same_person_as_outer("person")).order_by(*newest_first)
    return Q(pk=Subquery(newest.values("pk")[:1]))


def ids_of_person_with_merged(*, person_id) -> list:
    """The record's id and the ids of every record merged into it (made without a number, absorbed by
    a merge), at any depth: the ids the access log names the person by. Found, never shown."""
    ids, new = [person_id], [person_id]
    while new:
        new = list(
            Person.objects.filter(merged_into_id__in=new).exclude(pk__in=ids).values_list("pk", flat=True)
        )
        ids += new
    return ids


def person_found(*, person_id) -> Person:
    """The person a page decides on (404 when there is no such person)."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person


def signed_entries_of(*, person) -> QuerySet[JournalEntry]:
    """The person's signed journal entries, for the caller to narrow with lotsa.access (what crosses
    to another organisation is only ever signed)."""
    return JournalEntry.objects.filter(person=person, signed_at__isnull=False)


def referrals_from_group(*, case) -> QuerySet[Handover]:
    """The hand-overs an intervention group sent from its case (its referrals to the defector
    programme): units and dates, for the group's page after its own recorded decision."""
    return case.handovers_sent.filter(source=HandoverSource.INTERVENTION_GROUP).select_related("to_unit")


def police_request_probe(*, user) -> Handover:
    """The hand-over a police request by ``user`` would be, unsaved: what the request form's page decides
    on (lotsa.access) before the request exists."""
    return Handover(source=HandoverSource.POLICE_REQUEST, from_unit_id=user.organisation_id, sent_by=user)


def last_visit(*, user, page: str, case) -> Subquery:
    """A subquery: when ``user`` last opened ``page`` of the case ``case`` (an outer reference, such as
    ``OuterRef("case_id")``), NULL when no visit is kept. What a list's "new" is measured from."""
    visits = CaseVisit.objects.filter(user=user, case=case, page=page)
    return Subquery(visits.values("seen_at")[:1])


# --- When something in a case happened ----------------------------------------------------------------
# The one rule for the day a meeting, a support conversation or a threat assessment took place (issue 29,
# item 6): a day that has come, and not before the case it belongs to was opened. The services that
# record such acts call it before saving; the record keeps the moment it was recorded beside it.


def case_opened_on(case: Case) -> dt.date:
    """The local day the case was opened."""
    return timezone.localdate(case.opened_at)


def happened_on_check(on: dt.date | None, *, case: Case) -> dt.date:
    """Return ``on`` if it may be the day something in ``case`` happened, or raise a ``DomainError``
    with the reason: no date, a date in the future, or a date before the case was opened."""
    if on is None or on > timezone.localdate():
        raise DomainError(_("Give the date when it happened (not in the future)."))
    opened = case_opened_on(case)
    if on < opened:
        raise DomainError(
            _("The date lies before the case was opened (%(opened)s).")
            % {"opened": formats.date_format(opened, "Y-m-d")}
        )
    return on


# A criterion (one name typed, each of its spellings and sounds) is called common once its index rows
# reach this many, counted in the index alone; a common criterion is checked person by person for the
# candidates of the rarer ones instead of being read whole.
NAME_CRITERION_COMMON = 5000


def people_named(*, organisation_id, query: names.NameQuery, limit: int) -> list[uuid.UUID]:
    """The ids of up to ``limit`` of the unit's people (not erased) whose name index has a row for every
    token of ``query`` (the token or its sound, with the birth year when one was typed): the candidates
    of a search by name, found in SQL, nothing decrypted. A candidate may be a colliding digest: the
    caller confirms it.

    Rarest criterion first (a common given name has tens of thousands of rows among a million people, a
    rare surname a few hundred): one statement counts each criterion's rows, up to
    ``NAME_CRITERION_COMMON``, in the index alone; the rarest is read, the other rare ones are read and
    intersected with it, and each common one is only probed for the candidates left, one indexed lookup
    of (kind, digest, person) each (when every criterion is common, all are read and intersected: such a
    search usually proposes more people than are shown). Only then are the candidates looked up among
    the unit's people. The counts are never shown: the result is the same whatever the order. Written as
    parameterised statements (the ORM's compiling of the nested subqueries took longer than the
    database's answering them); only table names (from the models) and placeholders are written into the
    text, every value is a parameter."""
    criteria = query.criteria()
    counts = _name_criteria_rows(criteria)
    if not criteria or min(counts) == 0:
        return []  # nobody has the rarest criterion: nothing more to ask
    order = sorted(range(len(criteria)), key=counts.__getitem__)  # the rarest first
    common = [counts[i] >= NAME_CRITERION_COMMON for i in order]
    people, tokens = Person._meta.db_table, PersonNameToken._meta.db_table
    rarest, *others = [criteria[i] for i in order]
    read, read_params, probes, probe_params = [], [], [], []
    for criterion, is_common in zip(others, common[1:], strict=True):
        if is_common and not common[0]:
            # OFFSET 0: PostgreSQL then probes for each candidate instead of hashing every row of the
            # common name (its estimates of a digest's rows are rough); SQLite needs the LIMIT with it.
            either = [
                f"EXISTS (SELECT 1 FROM {tokens} t WHERE t.person_id = c.person_id AND t.kind = %s "  # noqa: S608
                "AND t.digest = %s LIMIT 1 OFFSET 0)"
            ] * len(criterion)
            probes.append(f"AND ({' OR '.join(either)})")
            probe_params += _values(criterion)
        else:
            read.append(f"AND r.person_id IN ({_rows_of(criterion)})")
            read_params += _values(criterion)
    # The rarest criterion's people, less those another rare criterion lacks, each probed for the
    # common criteria (an index-only lookup, cheaper than reading the person); then the unit's people
    # among those left (CROSS JOIN: SQLite keeps that order rather than walking the unit's hundred
    # thousand people).
    sql = (
        f"SELECT p.id FROM (SELECT DISTINCT r.person_id FROM ({_rows_of(rarest)}) r "  # noqa: S608
        f"WHERE 1 = 1 {' '.join(read)}) c CROSS JOIN {people} p WHERE p.id = c.person_id "
        f"{' '.join(probes)} AND p.organisation_id = %s AND p.erased_at IS NULL LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_values(rarest), *read_params, *probe_params, organisation_id, limit])
        return [value if isinstance(value, uuid.UUID) else uuid.UUID(value) for (value,) in cursor.fetchall()]


def _rows_of(criterion: list[tuple[int, int]]) -> str:
    """The person ids of a criterion's index rows, each alternative read by itself (an index-only scan
    of (kind, digest, person))."""
    tokens = PersonNameToken._meta.db_table
    one = f"SELECT person_id FROM {tokens} WHERE kind = %s AND digest = %s"  # noqa: S608
    return " UNION ALL ".join([one] * len(criterion))


def _values(criterion: list[tuple[int, int]]) -> list[int]:
    return [value for alternative in criterion for value in alternative]


def _name_criteria_rows(criteria: list[list[tuple[int, int]]]) -> list[int]:
    """How many index rows each criterion has, counted up to ``NAME_CRITERION_COMMON``: one statement,
    reading at most that many rows of the index a criterion."""
    if not criteria:
        return []
    counted = ", ".join(
        [f"(SELECT COUNT(*) FROM (SELECT 1 FROM ({_rows_of(c)}) r LIMIT %s) n)" for c in criteria]  # noqa: S608
    )
    params = []
    for criterion in criteria:
        params += [*_values(criterion), NAME_CRITERION_COMMON]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counted}", params)
        return list(cursor.fetchone())


def lowerings_pending(person_id) -> QuerySet[ProtectionLowering]:
    """The request to lower the person's protection that waits for approval (at most one)."""
    return ProtectionLowering.objects.filter(person_id=person_id, status=ProtectionLoweringStatus.PENDING)


def merges_pending(person_id) -> QuerySet[PersonMerge]:
    """The request to merge the person's record that waits for approval (at most one a record):
    asked from one of its cases, or naming it as the other record of the same person."""
    return PersonMerge.objects.filter(
        Q(person_id=person_id) | Q(other_id=person_id), status=PersonMergeStatus.PENDING
    )


def requests_pending_of(person_id) -> tuple[ProtectionLowering | None, PersonMerge | None]:
    """For the case page: the request to lower the person's protection and the request to merge their
    record that wait, each with who asked (or None), asked in one statement compiled once (lotsa.compiled);
    a request found is then read as a row of its model (the rare case: both questions are asked on
    every visit of every case page)."""
    lowering_id, merge_id = _PENDING.fetch_row(person_id)
    lowering = merge = None
    if lowering_id is not None:
        lowering = ProtectionLowering.objects.select_related("requested_by").filter(pk=lowering_id).first()
    if merge_id is not None:
        merge = PersonMerge.objects.select_related("requested_by").filter(pk=merge_id).first()
    return lowering, merge


def _pending_sql(probe) -> tuple[str, list]:
    """Each question as Django compiles it, read as one value: the first pending request's id, in the
    order ``.first()`` reads them."""
    return _PENDING.row(
        ("({})", rows.order_by("requested_at", "pk").values("pk")[:1])
        for rows in (lowerings_pending(probe), merges_pending(probe))
    )


# Compiled for a person id no record names, then given the asked person's id.
_PENDING = CompiledOnce(
    "cases.queries.requests_pending_of",
    probe=uuid.UUID(int=0),
    prepare=lambda person_id: Person._meta.pk.get_db_prep_value(person_id, connection, prepared=False),
    compile=_pending_sql,
)
