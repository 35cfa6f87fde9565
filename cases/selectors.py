"""Reads of cases that ask lotsa.access, record the access event and return (or raise a denial that
is already recorded)."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import CASE_PAGE_ROLES, Role
from audit import services as audit
from audit.models import AccessOutcome, Action
from cases import personal_number as pnr
from cases.access import is_named_handler
from cases.models import (
    AssignmentRequest,
    AssignmentRequestStatus,
    Case,
    CaseStatusChange,
    JournalEntry,
    Person,
)
from cases.services import closing_proposal
from cases.words import INTERVENTION_GROUP_TARGET_GROUPS, NOT_CLOSED, CaseStatus
from consent import policy as consent_policy
from consent import queries as consent_queries
from lotsa import access, crypto
from lotsa.crypto import blind_index_lookup
from lotsa.waiting import Waiting


def _unit_record(user: User, canonical_number: str) -> Person | None:
    if user.organisation_id is None:
        return None
    return (
        Person.objects.filter(organisation_id=user.organisation_id)
        .filter(**blind_index_lookup(Person, "personal_number_index", canonical_number))
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
    access.check(user, action, case, purpose=purpose)  # one INSERT that commits by itself
    return case


def my_cases_for(*, user: User, status: str = "", activity: str = "", page=None, size: int = 25):
    """The user's cases (a supervisor: the unit's), newest first, one page of them; one access event
    per person shown, in one insert, before anything is rendered. ``status`` NOT_CLOSED: every case but
    the closed ones; empty: every case."""
    cases = cases_visible_to(user=user)
    if status == NOT_CLOSED:
        cases = cases.exclude(status=CaseStatus.CLOSED)
    elif status:
        cases = cases.filter(status=status)
    if activity:
        cases = cases.filter(activity=activity)
    cases = cases.select_related("person", "owner_unit", "responsible").order_by("-opened_at", "pk")
    shown = Paginator(cases, size).get_page(page)
    rows = list(shown.object_list)
    with transaction.atomic():
        access.record_list(user, rows, purpose="my cases")
    crypto.prefetch_data_keys(case.person_id for case in rows)
    return shown, rows


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


def case_page_for(*, user: User, case_id) -> dict:
    """Everything the case page shows, after one recorded decision to view the case."""
    case = case_get_for(user=user, case_id=case_id, purpose="casework")
    entries = list(
        JournalEntry.objects.filter(case=case)
        .select_related("author", "signed_by", "corrects")
        .prefetch_related(Prefetch("corrections", queryset=JournalEntry.objects.order_by("created_at")))
        .order_by("created_at")
    )
    matrix = consent_queries.matrix_for(case)
    for entry in entries:
        entry.outside = [row["organisation"].name for row in matrix if entry.category in row["categories"]]
    try:
        group = case.intervention_group
    except ObjectDoesNotExist:
        group = None
    return {
        "case": case,
        "person": case.person,
        "group": group,
        "consents": consent_queries.consents_of(case),
        "matrix": matrix,
        "emergency": consent_policy.emergency_access_open_for(user, case),
        "show_address": not case.person.is_protected or is_named_handler(user, case),
        "history": case.status_changes.select_related("changed_by").order_by("changed_at"),
        "reassignments": case.reassignments.select_related("from_user", "to_user", "by"),
        # The case's own hand-overs (sent from it, or the one it was opened from): units and dates only.
        "handovers_sent": case.handovers_sent.select_related("to_unit").order_by("sent_at"),
        "handovers_accepted": case.handovers_accepted.select_related("from_unit"),
        # Accepted hand-overs after which its handler is asked to propose closing the case.
        "closing_asked": set(case.handovers_sent.closing_to_propose().values_list("pk", flat=True)),
        "entries": entries,
        # What the page offers (unrecorded: the act itself is decided when it is posted).
        "can_write": access.decide(user, Action.UPDATE, case).allowed and not case.is_closed,
        "can_reassign": access.decide(user, Action.ASSIGN, case).allowed,
        # An intervention group is formed only around whom it is for (never a relative's own case).
        "group_fits": case.target_group in INTERVENTION_GROUP_TARGET_GROUPS,
        "closing": _closing_proposal(case),
        "can_decide_closing": access.decide(user, Action.DECIDE, case).allowed,
    }


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
