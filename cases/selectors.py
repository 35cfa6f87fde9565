"""Reads of cases that ask lotsa.access, record the access event and return (or raise a denial that
is already recorded)."""

from __future__ import annotations

import dataclasses

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation, User
from accounts.roles import CASE_PAGE_ROLES, CASEWORK_ROLES, Role
from audit import services as audit
from audit.models import AccessEvent, AccessOutcome, Action
from cases import duplicates, names, queries
from cases import personal_number as pnr
from cases import reserve_identity as reserve
from cases.access import CROSS_UNIT_LOOKUP, assigned_case_ids, is_named_handler
from cases.filters import CaseFilter, youth_unit_hand_over_by
from cases.models import (
    AssignmentRequest,
    AssignmentRequestStatus,
    Case,
    CaseReassignment,
    CaseStatusChange,
    Handover,
    HandoverStatus,
    JournalEntry,
    Person,
    PersonMerge,
    PersonMergeStatus,
    ProtectionLowering,
    ProtectionLoweringStatus,
)
from cases.services import (
    case_visit_record,
    closing_proposal,
    person_find,
    surviving_record,
)
from cases.summary import Summary, render
from cases.words import CHANGEABLE_ACTIVITIES, INTERVENTION_GROUP_TARGET_GROUPS, CaseStatus, VisitedPage
from consent import policy as consent_policy
from consent import queries as consent_queries
from lotsa import access, calendar_items, crypto, news, summary
from lotsa.compiled import CompiledOnce
from lotsa.crypto import blind_index_lookup
from lotsa.waiting import Waiting
from retention import selectors as retention_selectors


def _unit_record(user: User, canonical_number: str) -> Person | None:
    """The unit's record of the person with this number, or with this reserve identity."""
    if user.organisation_id is None:
        return None
    index = (
        "reserve_identity_index" if reserve.is_reserve_identity(canonical_number) else "personal_number_index"
    )
    return surviving_record(
        Person.objects.filter(organisation_id=user.organisation_id)
        .filter(**blind_index_lookup(Person, index, canonical_number))
        .first()
    )


@transaction.atomic
def unit_cases_not_handled_by(*, user: User, canonical_number: str) -> list[Case]:
    """The owning unit's cases of the person with this number that ``user`` does not handle: where to
    ask to be assigned, or to use emergency access. Nothing of the person is shown (the user typed the
    number); that the unit has such cases is itself recorded, naming the person."""
    person = _unit_record(user, canonical_number)
    if person is None:
        return []
    cases = [
        case
        for case in Case.objects.filter(person=person, owner_unit_id=user.organisation_id)
        .select_related("owner_unit", "responsible")
        .order_by("-opened_at")
        if not is_named_handler(user, case)
    ]
    if cases:
        audit.record(
            action=Action.SEARCH,
            actor=user,
            target=person,
            subject_id=person.pk,
            purpose="find a person",
            reason=f"the unit has {len(cases)} case(s) of the person the user does not handle",
        )
    return cases


def assignment_requests_visible_to(*, user: User) -> QuerySet[AssignmentRequest]:
    return access.visible_to(user, AssignmentRequest.objects.all())


@transaction.atomic
def assignment_requests_waiting_for(*, user: User) -> list[AssignmentRequest]:
    """Pending requests ``user`` may decide, oldest first; one access event naming the people of the
    requests shown."""
    rows = [
        request
        for request in assignment_requests_visible_to(user=user)
        .filter(status=AssignmentRequestStatus.PENDING)
        .exclude(requested_by=user)
        .select_related("case", "case__responsible", "requested_by")
        .order_by("requested_at")
        if access.decide(user, Action.UPDATE, request).allowed
    ]
    access.record_list(user, rows, purpose="assignment requests")
    return rows


def assignment_requests_of(*, user: User) -> list[AssignmentRequest]:
    """The user's own requests (their reasons are theirs; nothing of the person is shown)."""
    return list(
        AssignmentRequest.objects.filter(requested_by=user)
        .select_related("case", "case__responsible", "decided_by")
        .order_by("-requested_at")[:20]
    )


def cases_visible_to(*, user: User) -> QuerySet[Case]:
    """The cases ``user`` may open, filtered in SQL (the case policy)."""
    return access.visible_to(user, Case.objects.all())


def case_get_for(*, user: User, case_id, purpose: str, action: str = Action.VIEW) -> Case:
    """The case, or a denial already in the access log (unknown ids are 404)."""
    case = Case.objects.select_related("person", "owner_unit", "responsible").filter(pk=case_id).first()
    if case is None:
        raise Http404
    access.check(user, action, case, purpose=purpose)  # one INSERT (in page_commit: with the page)
    return case


def latest_of_same_person_shown(*, user: User, records: QuerySet, person_id, purpose: str):
    """One person, one threat picture: the other timeline's latest assessment of the person of the
    record ``person_id`` (``records``: its model, found through the blind index by cases.queries), for
    a page read for ``purpose`` — where the assessment's policy decides it (cases.access). Allowed, it
    is recorded (access.check, naming the record it belongs to) and returned; otherwise None, and
    nothing is recorded, not even a denial: neither the page nor the log says the timeline exists."""
    latest = queries.latest_of_same_person(records, person_id=person_id)
    if latest is None or not access.decide(user, Action.VIEW, latest, purpose).allowed:
        return None
    try:
        access.check(user, Action.VIEW, latest, purpose=purpose)
    except access.AccessDenied:
        # A consent withdrawn between the two questions: the refusal is recorded, the page goes on
        # without the other timeline (it never failed a page for a part it only adds).
        return None
    return latest


def my_cases_for(*, user: User, filters: CaseFilter | None = None, page=None):
    """The user's cases (a supervisor: the unit's), filtered and sorted as ``filters`` (read by the view)
    asks, one page of them; one access event per person shown, in one insert, before anything is
    rendered. Without ``filters``: as the list opens (the cases not closed, latest activity first).
    Each row carries ``hand_over_by``: the day the child and youth unit's responsibility ends, when
    that is near enough to hand the case over now (or None)."""
    filters = filters or CaseFilter.opening()
    cases = filters.apply(cases_visible_to(user=user))
    # Not the owning unit (the list never shows it; the filter names it already): joined, it let
    # SQLite scan the organisations as the outer loop and read the user's cases once per organisation
    # (docs/benchmarks.md, "My cases on SQLite").
    cases = cases.select_related("person", "responsible")
    if not cases.query.order_by:
        cases = cases.order_by("-latest_activity", "-pk")
    horizon = youth_unit_hand_over_by()
    shown = Paginator(cases, filters.value("size") or 25).get_page(page)
    # The page's cases, each with what is new to the user on its page, in one query: the page is cut
    # by the inner query (in the list's order, an index's as the list opens), and the news is counted
    # for its rows only.
    rows = list(
        Case.objects.filter(pk__in=shown.object_list.values("pk"))
        .select_related("person", "responsible")
        .annotate(**news_on_case_pages(user=user))
        .order_by(*cases.query.order_by)
    )
    shown.object_list = rows
    access.record_list(user, rows, purpose="my cases")  # atomic itself: the event and its subjects
    crypto.prefetch_data_keys(case.person_id for case in rows)
    for case in rows:
        ends = case.youth_unit_ends_on
        case.hand_over_by = ends if ends and ends <= horizon and case.status != CaseStatus.CLOSED else None
    return shown, rows


def _case_page_news_sources() -> tuple:
    """What the case page marks as new (lotsa.news), each as (its rows, the field linking a row to the
    case's row, that field of the case): the list's badges count exactly what the page marks."""
    return (
        (JournalEntry.objects.all(), "case", "pk"),
        (CaseStatusChange.objects.all(), "case", "pk"),
        (CaseReassignment.objects.all(), "case", "pk"),
        (Handover.objects.all(), "from_case", "pk"),
        (consent_queries.consents(), "person", "person_id"),
    )


def news_on_case_pages(*, user: User) -> dict:
    """For a list of cases the user may open (decided and recorded before anything of it is shown): for
    each case's row, ``seen``, when ``user`` last opened the case's page (NULL: never), and ``news``,
    how much is new to them on it since (:func:`_news_on_case_page`), as annotations of ``Case`` rows.

    Their SQL is compiled once per process and database for a user id no account has, and given
    ``user``'s (lotsa.compiled): building and compiling the five subqueries cost the list more than all
    the database's work for it (docs/benchmarks.md). The counts are read anew on every call."""
    return _NEWS.raw(_NEWS.get(), user.pk)


def _news_compiled(probe) -> list[tuple]:
    query = Case.objects.annotate(
        seen=queries.last_visit(user=probe, page=VisitedPage.CASE, case=OuterRef("pk"))
    ).annotate(news=_news_on_case_page(user=probe))
    return _NEWS.annotations(query, ("seen", "news"))


# The user id the news is compiled for (no account has it: ids count up from 1).
_NEWS = CompiledOnce("cases.selectors.news_on_case_pages", probe=-4_242_424, compile=_news_compiled)


def _news_on_case_page(*, user):
    """How much is new to ``user`` (or their id) on a case's page since their last visit of it, as an
    expression over the case's row with its ``seen`` (0 for a case never visited), from timestamps
    only."""
    since = OuterRef("seen")
    counted = [
        news.count_new(rows, link=link, user=user, since=since, outer=outer)
        for rows, link, outer in _case_page_news_sources()
    ]
    total = counted[0]
    for count in counted[1:]:
        total = total + count
    return total


@transaction.atomic
def cases_found_by_number(*, user: User, number: str) -> list[Case]:
    """Exact-match search by personal identity number. The search is an access event with its
    outcome; it returns only the cases the user may open, and says nothing of any other."""
    canonical = pnr.normalise(number)  # InvalidPersonalNumber propagates: nothing searched
    person = _unit_record(user, canonical)
    cases = []
    if person is not None:
        cases = list(
            access.visible_to(user, Case.objects.filter(person=person))
            .select_related("person", "owner_unit", "responsible")
            .order_by("-opened_at")
        )
    audit.record(
        action=Action.SEARCH,
        outcome=AccessOutcome.ALLOWED,
        actor=user,
        target_type="cases.person",
        target_id=str(person.pk) if cases else "",
        subject_id=person.pk if cases else None,
        purpose="find a person",
        reason=f"personal identity number: {len(cases)} case(s) shown",
    )
    crypto.prefetch_data_keys(case.person_id for case in cases)
    return cases


def units_to_ask_for_hand_over(*, user: User, canonical_number: str) -> list[Organisation]:
    """The other units that hold a record of the person with this personal identity number and that
    the user's unit may be told of: each record the number's blind index finds in another unit is one
    decision (cases.access, CROSS_UNIT_LOOKUP: a consent of the person in force, on that record, that
    names the user's unit for a hand-over purpose, in a unit still active) and one event naming that
    record, so the lookup is in the holding unit's log whichever way it went. A denial says nothing:
    the unit is left out, and the page is the page of a number held nowhere. A number held nowhere
    else is decided too, on an unsaved record without a unit (one event naming nobody), so that the
    three (told, not told, held nowhere) do the same work: the same queries, the same writes. A reserve
    identity is a unit's own and points nowhere."""
    if user.organisation_id is None or reserve.is_reserve_identity(canonical_number):
        return []
    units: dict[int, Organisation] = {}
    records = list(
        queries.other_units_records_of_number(
            canonical_number=canonical_number, organisation_id=user.organisation_id
        )
    )
    for record in records or [Person(pk=None)]:
        try:
            access.check(user, Action.SEARCH, record, purpose=CROSS_UNIT_LOOKUP)
        except access.AccessDenied:
            continue  # recorded as denied; nothing of it is shown
        units.setdefault(record.organisation_id, record.organisation)
    return list(units.values())


@dataclasses.dataclass
class NumberSearch:
    cases: list[Case]  # the cases the user may open
    elsewhere: list[Case]  # the unit's cases of the person the user does not handle (casework roles)
    units_to_ask: list[Organisation]  # other units the person consented to the user's unit being told of


@transaction.atomic
def number_search_for(*, user: User, number: str) -> NumberSearch:
    """A search by personal identity number: the user's cases of the person; with none, the unit's
    cases the user could ask to be assigned to; and the other units the person's consent lets the
    user's unit know of, to ask them for a hand-over."""
    canonical = pnr.normalise(number)  # InvalidPersonalNumber propagates: nothing searched
    cases = cases_found_by_number(user=user, number=number)
    elsewhere = []
    if not cases and user.has_role(*CASEWORK_ROLES):
        elsewhere = unit_cases_not_handled_by(user=user, canonical_number=canonical)
    units = units_to_ask_for_hand_over(user=user, canonical_number=canonical)
    return NumberSearch(cases=cases, elsewhere=elsewhere, units_to_ask=units)


NAME_SEARCH_CANDIDATES = 200  # people the index may propose before the search asks for more names
NAME_SEARCH_SHOWN = 50


@dataclasses.dataclass
class NameSearch:
    cases: list[Case]
    more: bool  # more people matched than are shown: the user should narrow the search


@transaction.atomic
def cases_found_by_name(*, user: User, query: names.NameQuery) -> NameSearch:
    """Search by name (and birth year or date) through the name index, never by decrypting rows to
    scan them. The index proposes candidates of the user's own unit; the case policy narrows them, in
    SQL, to the cases the user may open; only those candidates' names are decrypted, to drop what
    matched only by a colliding digest. One access event (a search) names every person shown, and is
    written before anything is returned; a search that shows nobody is recorded as well."""
    cases: list[Case] = []
    more = False
    if user.organisation_id is not None:
        candidates = queries.people_named(
            organisation_id=user.organisation_id, query=query, limit=NAME_SEARCH_CANDIDATES + 1
        )
        more = len(candidates) > NAME_SEARCH_CANDIDATES
        visible = list(
            access.visible_to(user, Case.objects.filter(person_id__in=candidates[:NAME_SEARCH_CANDIDATES]))
            .select_related("person", "owner_unit", "responsible")
            .order_by("-opened_at")
        )
        crypto.prefetch_data_keys(case.person_id for case in visible)
        ranked = []
        for case in visible:
            person = case.person
            found, exactly = query.matches(
                given_names=person.given_names, surname=person.surname, birth_date=person.birth_date
            )
            if found:
                ranked.append((not exactly, person.surname.casefold(), person.given_names.casefold(), case))
        ranked.sort(key=lambda row: row[:3])
        more = more or len(ranked) > NAME_SEARCH_SHOWN
        cases = [row[3] for row in ranked[:NAME_SEARCH_SHOWN]]
    shown = list(dict.fromkeys(case.person_id for case in cases))
    audit.append(
        [
            audit.Event(
                action=Action.SEARCH,
                actor=user,
                target_type="cases.person",
                target_id=str(shown[0]) if len(shown) == 1 else "",
                subject_id=shown[0] if len(shown) == 1 else None,
                subjects=shown if len(shown) > 1 else [],
                purpose="find a person",
                reason=f"name: {len(shown)} person(s), {len(cases)} case(s) shown",
            )
        ]
    )
    return NameSearch(cases=cases, more=more)


JOURNAL_PAGE_SIZE = 20
NEWEST_FIRST = ("-created_at", "-pk")


def _journal_page_holding(case: Case, entry_id, size: int) -> int | None:
    """The page of the case's journal (newest first) that holds the entry, or None if it is not the
    case's: one count, whatever the journal's length."""
    try:
        entry = JournalEntry.objects.only("pk", "created_at").get(pk=entry_id, case=case)
    except (JournalEntry.DoesNotExist, ValidationError, ValueError):
        return None
    newer = (
        JournalEntry.objects.filter(case=case)
        .filter(Q(created_at__gt=entry.created_at) | Q(created_at=entry.created_at, pk__gt=entry.pk))
        .count()
    )
    return newer // size + 1


def journal_page(case: Case, *, page=None, entry_id=None, size: int = JOURNAL_PAGE_SIZE):
    """One page of the case's journal, newest first: only that page's rows are read (and only their
    texts decrypted, as the page shows them), with what each corrects and is corrected by. The case
    is decided on already (the caller's one recorded decision). ``entry_id``, if the case's, picks
    the page that holds it (a link to a corrected entry on another page)."""
    entries = (
        JournalEntry.objects.filter(case=case)
        .select_related("author", "signed_by")
        .prefetch_related(
            # Only what a link to them needs: their texts are not read.
            Prefetch("corrects", queryset=JournalEntry.objects.only("pk", "created_at", "case_id")),
            Prefetch(
                "corrections",
                queryset=JournalEntry.objects.only("pk", "created_at", "case_id", "corrects_id").order_by(
                    "created_at"
                ),
            ),
        )
        .order_by(*NEWEST_FIRST)
    )
    if entry_id is not None:
        page = _journal_page_holding(case, entry_id, size) or page
    return Paginator(entries, size).get_page(page)


def case_page_for(*, user: User, case_id, journal_page_number=None, journal_entry_id=None) -> dict:
    """Everything the case page shows, after one recorded decision to view the case. The journal is
    shown a page at a time, newest first (``journal_page_number``; or the page holding
    ``journal_entry_id``). What is new to the user since their last visit of the page is marked
    (``is_new``) and counted (lotsa.news)."""
    # The decision's event and the visit it allows commit together (one commit a page).
    with access.page_commit(actor=user):
        case = case_get_for(user=user, case_id=case_id, purpose="casework")
        last_visit = case_visit_record(user=user, case=case, page=VisitedPage.CASE)
    journal = journal_page(case, page=journal_page_number, entry_id=journal_entry_id)
    entries = list(journal.object_list)
    consents = list(consent_queries.consents_of(case))
    matrix = consent_queries.matrix_for(case, consents=consents)  # read once: the list and the matrix
    for entry in entries:
        entry.outside = [row["organisation"].name for row in matrix if entry.category in row["categories"]]
    try:
        group = case.intervention_group
    except ObjectDoesNotExist:
        group = None
    history = list(case.status_changes.select_related("changed_by").order_by("changed_at"))
    reassignments = list(case.reassignments.select_related("from_user", "to_user", "by"))
    handovers_sent, handovers_accepted = _handovers_of(case)
    marked = [*entries, *consents, *history, *reassignments, *handovers_sent]
    for row in marked:
        row.is_new = news.is_new(row, user=user, since=last_visit)
    may_update = access.decide(user, Action.UPDATE, case).allowed
    lowering, merge = queries.requests_pending_of(case.person_id)
    return {
        "case": case,
        "person": case.person,
        "group": group,
        "consents": consents,
        "matrix": matrix,
        "emergency": consent_policy.emergency_access_open_for(user, case),
        "show_address": _shows_address(user, case),
        "history": history,
        "reassignments": reassignments,
        # The case's own hand-overs (sent from it, or the one it was opened from): units and dates only.
        "handovers_sent": handovers_sent,
        "handovers_accepted": handovers_accepted,
        # Accepted hand-overs after which its handler is asked to propose closing the case (only an
        # accepted one can be: without one sent and accepted, nothing is asked of the database).
        "closing_asked": set(case.handovers_sent.closing_to_propose().values_list("pk", flat=True))
        if any(handover.status == HandoverStatus.ACCEPTED for handover in handovers_sent)
        else set(),
        "entries": entries,
        "last_visit": last_visit,
        "new_count": sum(row.is_new for row in marked),
        "journal": journal,
        "on_this_page": {entry.pk for entry in entries},
        # What the page offers (unrecorded: the act itself is decided when it is posted).
        "can_write": may_update and not case.is_closed,
        "can_reassign": access.decide(user, Action.ASSIGN, case).allowed,
        # A case a hand-over opened: its handler may set what the unit does in it.
        "can_change_activity": not case.is_closed
        and case.activity in CHANGEABLE_ACTIVITIES
        and bool(handovers_accepted)
        and may_update,
        # An intervention group is formed only around whom it is for (never a relative's own case).
        "group_fits": case.target_group in INTERVENTION_GROUP_TARGET_GROUPS,
        "closing": _closing_proposal(case),
        "can_decide_closing": access.decide(user, Action.DECIDE, case).allowed,
        # The printable summary is an export: offered only to those it would not refuse.
        "can_print": access.decide(user, Action.EXPORT, case).allowed,
        **_protection_of(user, case, lowering),
        **_merge_of(user, case, merge),
        "duplicates": possible_duplicates_visible_to(user=user, case=case),
        # When the unit's record of the person is erased, and under which rule (retention).
        "retention": retention_selectors.retention_of(person=case.person),
    }


def _handovers_of(case: Case) -> tuple[list, list]:
    """The hand-overs sent from the case (oldest first) and the one it was opened from, in one read."""
    handovers = list(
        Handover.objects.filter(Q(from_case_id=case.pk) | Q(accepted_case_id=case.pk))
        .select_related("to_unit", "from_unit")
        .order_by("sent_at", "pk")
    )
    sent = [handover for handover in handovers if handover.from_case_id == case.pk]
    accepted = [handover for handover in handovers if handover.accepted_case_id == case.pk]
    return sent, accepted


def _protection_of(user: User, case: Case, lowering: ProtectionLowering | None) -> dict:
    """The person's protected-identity level as the case page shows it: when it was raised or lowered,
    whether by this unit or by another (never which: that another board holds the person is itself
    secret), the request to lower it that waits, and what the page offers (unrecorded: each act is
    decided when it is posted)."""
    person = case.person
    probe = ProtectionLowering(case=case, person=person, requested_by=user)
    return {
        "protection_by_other_unit": bool(
            person.protection_raised_by_id and person.protection_raised_by_id != person.organisation_id
        ),
        "lowering": lowering,
        "can_ask_lowering": lowering is None
        and person.is_protected
        and access.decide(user, Action.CREATE, probe).allowed,
        "can_decide_lowering": lowering is not None and access.decide(user, Action.DECIDE, lowering).allowed,
    }


def _merge_of(user: User, case: Case, merge: PersonMerge | None) -> dict:
    """A person recorded without a number: the request to give them their number (merge) that waits,
    and what the page offers (unrecorded: each act is decided when it is posted)."""
    person = case.person
    # A request to merge with another record of the unit is told only to whoever may see that record
    # too: to anyone else, even "another record is the same person" says more than they may know.
    other_id = (
        None if merge is None else (merge.other_id if merge.person_id == person.pk else merge.person_id)
    )
    other_hidden = bool(
        merge is not None
        and merge.other_id
        and not access.visible_to(user, Person.objects.filter(pk=other_id)).exists()
    )
    probe = PersonMerge(case=case, person=person, requested_by=user)
    return {
        "merge": merge,
        "merge_other_hidden": other_hidden,
        "can_ask_merge": merge is None
        and not person.personal_number
        and access.decide(user, Action.CREATE, probe).allowed,
        "can_decide_merge": merge is not None and access.decide(user, Action.DECIDE, merge).allowed,
    }


# The purpose of the event that shows a flag "possibly the same person as record …" (cases/duplicates.py).
POSSIBLE_DUPLICATE = "possibly the same person"


@dataclasses.dataclass
class PossibleDuplicate:
    other: Person
    case: Case | None  # a case of the other record the viewer may open (the flag links to it)
    can_mark: bool  # the viewer may mark the pair "not the same person" and ask to merge it


def possible_duplicates_visible_to(*, user: User, case: Case) -> list[PossibleDuplicate]:
    """The unit's other records that may be the same person as the case's (cases/duplicates.py: found
    through the name index, never by decrypting the unit's records), only those the viewer may see
    too: the candidates are narrowed by the person policy in SQL before any is decrypted, and each one
    shown is a decision of the policy, recorded as one event naming both records. Never another
    unit's record (that is the consent-gated pointer's, cases.access.CROSS_UNIT_LOOKUP)."""
    person = case.person
    if user.organisation_id != person.organisation_id or person.erased_at is not None:
        return []
    candidates = duplicates.candidates_for(person)
    if not candidates:
        return []
    visible = access.visible_to(
        user, Person.objects.filter(pk__in=candidates, organisation_id=person.organisation_id)
    )
    crypto.prefetch_data_keys(candidates)
    shown = []
    for other in sorted(visible, key=lambda record: str(record.pk)):
        if not duplicates.may_be_the_same(person, other):
            continue  # a colliding digest, or a birth date that differs within the year
        access.check(user, Action.VIEW, other, purpose=POSSIBLE_DUPLICATE, naming=[person.pk])
        other_case = access.visible_to(user, Case.objects.filter(person=other)).order_by("-opened_at").first()
        probe = PersonMerge(case=case, person=person, other=other, requested_by=user)
        can_mark = access.decide(user, Action.CREATE, probe).allowed
        shown.append(PossibleDuplicate(other=other, case=other_case, can_mark=can_mark))
    return shown


def duplicate_merge_form_for(*, user: User, asking: PersonMerge) -> None:
    """The form to ask to merge two records of the unit shows both: decided as the request it prepares
    (a handler of the case who may see the other record), one event naming both records."""
    with transaction.atomic():
        access.check(user, Action.CREATE, asking, purpose=ASK_MERGE_DUPLICATES, naming=[asking.other_id])


ASK_MERGE_DUPLICATES = "the form to merge two records of the same person"


@transaction.atomic
def person_merge_for(*, user: User, case_id, merge_id) -> dict:
    """The request to merge as its decision page shows it (its context): the record made without a
    number, the number asked for, and whether the unit keeps a record with that number (which the
    merge would keep). Who that record is (its name) is shown only to whoever may decide the request, and only
    then does the one event name both records; the requester and the case's handlers learn only that
    the unit keeps a record with the number, as opening a case with it would tell them."""
    try:
        merge = PersonMerge.objects.select_related("case", "person", "requested_by", "other").get(
            pk=merge_id, case_id=case_id
        )
    except (PersonMerge.DoesNotExist, ValidationError):
        raise Http404 from None
    if merge.other_id is not None:
        return _duplicate_merge_for(user, merge)
    survivor = person_find(organisation=merge.person.organisation_id, number=merge.number)
    survivor = None if survivor is None or survivor.pk == merge.person_id else survivor
    unit_keeps_number = survivor is not None
    if not access.decide(user, Action.DECIDE, merge).allowed:
        survivor = None
    access.check(
        user,
        Action.VIEW,
        merge,
        purpose="decide merging records of a person",
        naming=[survivor.pk] if survivor is not None else [],
    )
    return {"merge": merge, "survivor": survivor, "unit_keeps_number": unit_keeps_number}


def _duplicate_merge_for(user: User, merge: PersonMerge) -> dict:
    """A request to merge two records of the unit (the same person entered twice): both records, and
    which would survive (cases.duplicates.survivor_of), to whoever may decide it, and then the one
    event names both; anyone else who may read the request learns only that it names another record."""
    may_decide = access.decide(user, Action.DECIDE, merge).allowed
    other = merge.other if may_decide else None
    access.check(
        user,
        Action.VIEW,
        merge,
        purpose="decide merging records of a person",
        naming=[other.pk] if other is not None else [],
    )
    survivor = duplicates.survivor_of(merge.person, other)[0] if other is not None else None
    return {"merge": merge, "other": other, "survivor": survivor, "duplicate": True}


def waiting_person_merges(user: User) -> list:
    """For the start page (counts only): requests to merge a record made without a number waiting for
    this supervisor's approval (never their own), and the user's own requests still waiting."""
    if not user.has_role(*CASE_PAGE_ROLES) or user.organisation_id is None:
        return []
    pending = PersonMerge.objects.filter(
        case__owner_unit_id=user.organisation_id, status=PersonMergeStatus.PENDING
    ).order_by("requested_at")
    items = []
    if user.has_role(Role.SUPERVISOR):
        to_decide = list(pending.exclude(requested_by=user).values_list("case_id", "pk"))
        if to_decide:
            text = ngettext(
                "%(n)d request to merge a record without a number waits for your approval",
                "%(n)d requests to merge a record without a number wait for your approval",
                len(to_decide),
            ) % {"n": len(to_decide)}
            case_id, merge_id = to_decide[0]
            items.append(
                Waiting(text, reverse("cases:merge_decide", args=[case_id, merge_id]), approval=True)
            )
    mine = list(pending.filter(requested_by=user).values_list("case_id", flat=True))
    if mine:
        text = ngettext(
            "%(n)d of your requests to merge a record waits for the supervisor",
            "%(n)d of your requests to merge a record wait for the supervisor",
            len(mine),
        ) % {"n": len(mine)}
        items.append(Waiting(text, reverse("cases:detail", args=[mine[0]]) + "#identity"))
    return items


def _shows_address(user: User, case: Case) -> bool:
    """A protected person's address: only to the case's named handlers (the page and its summary)."""
    return not case.person.is_protected or is_named_handler(user, case)


SUMMARY_ENTRIES = 30


def case_summary_for(*, user: User, case_id) -> tuple[Case, bytes]:
    """The printable case summary (cases.summary), after one recorded EXPORT decision naming the
    person, by the case's own rule (so a reader under emergency access, allowed to view only, is
    refused): what the case page shows this user, the apps' sections where the user may see them, what
    is planned, and the journal's signed entries (the latest SUMMARY_ENTRIES); never a draft."""
    case = case_get_for(user=user, case_id=case_id, purpose="case summary", action=Action.EXPORT)
    signed = JournalEntry.objects.filter(case=case, signed_at__isnull=False)
    entries = list(
        signed.select_related("author", "corrects").order_by("-created_at", "-pk")[:SUMMARY_ENTRIES]
    )
    today = timezone.localdate()
    planned = [
        item
        for item in calendar_items.items_for(user, start=None, end=None, case=case)
        if item.day >= today or item.urgent
    ]
    pdf = render(
        Summary(
            case=case,
            person=case.person,
            show_address=_shows_address(user, case),
            consents=consent_queries.consents_in_force_of(case),
            sections=summary.sections_for(user, case),
            planned=planned,
            entries=entries,
            signed_total=signed.count(),
            printed_by=user,
        )
    )
    return case, pdf


def _closing_proposal(case):
    return closing_proposal(case)


def waiting_drafts(user: User) -> list:
    """For the start page: the user's own journal drafts, not yet signed (a count, never a person)."""
    if not user.has_role(*CASE_PAGE_ROLES):
        return []
    drafts = JournalEntry.objects.filter(author=user, signed_at__isnull=True).count()
    if not drafts:
        return []
    text = ngettext("%(n)d journal draft to sign", "%(n)d journal drafts to sign", drafts) % {"n": drafts}
    return [Waiting(text=text, url=reverse("cases:my_cases"))]


def waiting_youth_handovers(user: User) -> list:
    """For the start page (a count, never a person): the user's own cases whose person outgrows the
    child and youth unit within LOTSA_CHILD_AND_YOUTH_HANDOVER_DAYS (or has), to be handed over in
    good time."""
    if not user.has_role(*CASEWORK_ROLES):
        return []
    due = (
        access.visible_to(user, Case.objects.filter(responsible=user))
        .exclude(status=CaseStatus.CLOSED)
        .filter(youth_unit_ends_on__lte=youth_unit_hand_over_by())
        .count()
    )
    if not due:
        return []
    text = ngettext(
        "%(n)d young person outgrows the child and youth unit soon: hand the case over in good time",
        "%(n)d young people outgrow the child and youth unit soon: hand their cases over in good time",
        due,
    )
    return [Waiting(text=text % {"n": due}, url=reverse("cases:my_cases") + "?youth_unit_ending=on")]


def waiting_closings(user: User) -> list:
    """For the start page (counts only): proposals to close a case waiting for the unit's supervisor
    (theirs to approve, unless they proposed it), and the user's own proposals still waiting."""
    if not user.has_role(*CASE_PAGE_ROLES) or user.organisation_id is None:
        return []
    closing = Case.objects.filter(owner_unit_id=user.organisation_id, status=CaseStatus.CLOSING)
    proposals = CaseStatusChange.objects.filter(case__in=closing, status=CaseStatus.CLOSING)
    mine = set(proposals.filter(changed_by=user).values_list("case_id", flat=True))
    items = []
    if user.has_role(Role.SUPERVISOR):
        to_decide = closing.exclude(pk__in=mine).count()
        if to_decide:
            text = ngettext(
                "%(n)d proposal to close a case waits for your approval",
                "%(n)d proposals to close a case wait for your approval",
                to_decide,
            )
            items.append(
                Waiting(text % {"n": to_decide}, reverse("cases:my_cases") + "?status=closing", approval=True)
            )
    if mine:
        text = ngettext(
            "%(n)d of your proposals to close a case waits for the supervisor",
            "%(n)d of your proposals to close a case wait for the supervisor",
            len(mine),
        )
        items.append(Waiting(text % {"n": len(mine)}, reverse("cases:my_cases") + "?status=closing"))
    return items


def _handled_by(user: User) -> QuerySet[Case]:
    """The user's own cases in their unit: responsible, or assigned (the start page's notices)."""
    return Case.objects.filter(owner_unit_id=user.organisation_id).filter(
        Q(responsible_id=user.pk) | Q(pk__in=assigned_case_ids(user))
    )


def _seen_since(user: User, when: str) -> Exists:
    """No allowed event of ``user`` names the case's person since ``when`` (a field of the person)."""
    return Exists(
        AccessEvent.objects.filter(
            actor_id=user.pk,
            subject_id=OuterRef("person_id"),
            outcome=AccessOutcome.ALLOWED,
            occurred_at__gte=OuterRef(f"person__{when}"),
        )
    )


def waiting_protection_changes(user: User) -> list:
    """For the start page (counts only, never a person or a unit): the user's cases whose person's
    protected identity another unit raised, or whose protection was lowered, since the user last
    had anything to do with the person. Opening the case (which shows the level and its date)
    clears it."""
    if not user.has_role(*CASE_PAGE_ROLES) or user.organisation_id is None:
        return []
    cases = _handled_by(user).exclude(status=CaseStatus.CLOSED).filter(person__erased_at__isnull=True)
    raised = list(
        cases.filter(person__protection_raised_at__isnull=False, person__protection_raised_by__isnull=False)
        .exclude(person__protection_raised_by_id=F("person__organisation_id"))
        .filter(~_seen_since(user, "protection_raised_at"))
        .order_by("opened_at")
        .values_list("pk", "person_id")
    )
    lowered = list(
        cases.filter(person__protection_lowered_at__isnull=False)
        .filter(~_seen_since(user, "protection_lowered_at"))
        .order_by("opened_at")
        .values_list("pk", "person_id")
    )
    items = []
    for found, one, many in (
        (
            raised,
            _("Protected identity raised for a person in your case"),
            ngettext(
                "Protected identity raised for %(n)d person in your cases",
                "Protected identity raised for %(n)d people in your cases",
                len({person for _case, person in raised}),
            ),
        ),
        (
            lowered,
            _("Protected identity lowered for a person in your case"),
            ngettext(
                "Protected identity lowered for %(n)d person in your cases",
                "Protected identity lowered for %(n)d people in your cases",
                len({person for _case, person in lowered}),
            ),
        ),
    ):
        people = {person_id for _case, person_id in found}  # one person may be in several of the cases
        if len(people) == 1:
            items.append(Waiting(one, reverse("cases:detail", args=[found[0][0]]), urgent=True))
        elif people:
            items.append(Waiting(many % {"n": len(people)}, reverse("cases:my_cases"), urgent=True))
    return items


def waiting_protection_lowerings(user: User) -> list:
    """For the start page (counts only): requests to lower a protected identity waiting for this
    supervisor's approval (never their own), and the user's own requests still waiting."""
    if not user.has_role(*CASE_PAGE_ROLES) or user.organisation_id is None:
        return []
    pending = ProtectionLowering.objects.filter(
        case__owner_unit_id=user.organisation_id, status=ProtectionLoweringStatus.PENDING
    ).order_by("requested_at")
    items = []
    if user.has_role(Role.SUPERVISOR):
        to_decide = list(pending.exclude(requested_by=user).values_list("case_id", flat=True))
        if to_decide:
            text = ngettext(
                "%(n)d request to lower a protected identity waits for your approval",
                "%(n)d requests to lower a protected identity wait for your approval",
                len(to_decide),
            ) % {"n": len(to_decide)}
            items.append(
                Waiting(text, reverse("cases:detail", args=[to_decide[0]]) + "#protection", approval=True)
            )
    mine = list(pending.filter(requested_by=user).values_list("case_id", flat=True))
    if mine:
        text = ngettext(
            "%(n)d of your requests to lower a protected identity waits for the supervisor",
            "%(n)d of your requests to lower a protected identity wait for the supervisor",
            len(mine),
        ) % {"n": len(mine)}
        items.append(Waiting(text, reverse("cases:detail", args=[mine[0]]) + "#protection"))
    return items
