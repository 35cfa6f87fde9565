"""Reads of cases that ask lotsa.access, record the access event and return (or raise a denial that
is already recorded)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import CASE_PAGE_ROLES, Role
from audit import services as audit
from audit.models import Action, Outcome
from cases import personal_number as pnr
from cases.access import is_named_handler
from cases.models import (
    AssignmentRequest,
    Case,
    CaseStatusChange,
    ConcernReport,
    ConcernStatus,
    FirstContact,
    Handover,
    HandoverStatus,
    JournalEntry,
    Person,
    RequestStatus,
)
from cases.services import closing_proposal
from cases.words import CaseStatus
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
        .filter(status=RequestStatus.PENDING)
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
    per person shown, in one insert, before anything is rendered."""
    cases = cases_visible_to(user=user)
    if status:
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
        outcome=Outcome.ALLOWED,
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
        "entries": entries,
        # What the page offers (unrecorded: the act itself is decided when it is posted).
        "can_write": access.decide(user, Action.UPDATE, case).allowed and not case.is_closed,
        "can_reassign": access.decide(user, Action.ASSIGN, case).allowed,
        "closing": _closing_proposal(case),
        "can_decide_closing": access.decide(user, Action.DECIDE, case).allowed,
    }


def _closing_proposal(case):
    return closing_proposal(case)


# --- Hand-overs ------------------------------------------------------------------------------------


def handovers_visible_to(*, user: User) -> QuerySet[Handover]:
    return access.visible_to(user, Handover.objects.all())


def _handover_rows(queryset) -> list[Handover]:
    return list(
        queryset.select_related(
            "person", "from_unit", "to_unit", "sent_by", "decided_by", "from_case", "accepted_case"
        )
    )


def handovers_for(*, user: User, recent: int = 50) -> dict:
    """The hand-overs waiting for the user's unit (oldest first, overdue flagged), and those the user's
    side sent or its unit decided lately; one access event naming the people shown."""
    visible = handovers_visible_to(user=user)
    waiting = _handover_rows(visible.undecided().filter(to_unit_id=user.organisation_id).order_by("sent_at"))
    received = _handover_rows(
        visible.filter(to_unit_id=user.organisation_id)
        .exclude(status=HandoverStatus.SENT)
        .order_by("-decided_at")[:recent]
    )
    sent = _handover_rows(visible.exclude(to_unit_id=user.organisation_id).order_by("-sent_at")[:recent])
    with transaction.atomic():
        access.record_list(user, [*waiting, *received, *sent], purpose="hand-overs")
    crypto.prefetch_data_keys(h.person_id for h in [*waiting, *received, *sent])
    return {"waiting": waiting, "received": received, "sent": sent}


def handover_get_for(*, user: User, handover_id) -> Handover:
    """One hand-over, or a denial already in the access log (unknown ids are 404)."""
    handover = _handover_rows(Handover.objects.filter(pk=handover_id))
    if not handover:
        raise Http404
    access.check(user, Action.VIEW, handover[0], purpose="hand-over")
    return handover[0]


def handovers_waiting_count(*, user: User) -> tuple[int, int]:
    """How many hand-overs wait for the user's unit, and how many of them are overdue: numbers only,
    for the start page (no person is shown)."""
    if not user.has_role(*CASE_PAGE_ROLES) or user.organisation_id is None:
        return 0, 0
    waiting = handovers_visible_to(user=user).filter(to_unit_id=user.organisation_id)
    return waiting.undecided().count(), waiting.overdue().count()


def waiting_handovers(user: User) -> list:
    """For the start page (lotsa.waiting): how many hand-overs wait for the unit, how many overdue."""
    items = []
    waiting, overdue = handovers_waiting_count(user=user)
    if waiting:
        text = ngettext(
            "%(n)d hand-over waits for your unit's decision",
            "%(n)d hand-overs wait for your unit's decision",
            waiting,
        ) % {"n": waiting}
        if overdue:
            text += ngettext("; %(n)d is overdue", "; %(n)d are overdue", overdue) % {"n": overdue}
        items.append(Waiting(text=text, url=reverse("cases:handovers"), urgent=bool(overdue)))
    # The sender's side: what the receivers declined lately, to be acted on.
    declined = (
        handovers_visible_to(user=user)
        .filter(status=HandoverStatus.DECLINED, sent_by=user)
        .filter(decided_at__gte=timezone.now() - dt.timedelta(days=settings.LOTSA_HANDOVER_OVERDUE_DAYS))
        .count()
    )
    if declined:
        text = ngettext(
            "%(n)d hand-over you sent was declined: read the reason",
            "%(n)d hand-overs you sent were declined: read the reasons",
            declined,
        ) % {"n": declined}
        items.append(Waiting(text=text, url=reverse("cases:handovers")))
    return items


# --- First contacts and reports of concern -----------------------------------------------------------


def first_contact_page_for(*, user: User, case_id) -> dict:
    """The first contact of a VBE-team case, after one recorded decision to view the case: the request,
    the meetings with the police, the reports of concern and hand-overs sent from it."""
    case = case_get_for(user=user, case_id=case_id, purpose="first contact")
    contact = FirstContact.objects.filter(case=case).select_related("created_by").first()
    if contact is None:
        raise Http404
    return {
        "case": case,
        "person": case.person,
        "contact": contact,
        "meetings": list(contact.meetings.select_related("recorded_by")),
        "reports": list(case.concern_reports_sent.select_related("to_unit", "child")),
        "handovers_sent": list(case.handovers_sent.select_related("to_unit")),
        "can_write": access.decide(user, Action.UPDATE, case).allowed,
    }


def concern_reports_for(*, user: User, recent: int = 50) -> dict:
    """Reports of concern the unit received (those to assess first, oldest first) and those its side
    sent; one access event naming the children shown."""
    visible = access.visible_to(user, ConcernReport.objects.all()).select_related(
        "child", "from_unit", "to_unit", "assessed_by"
    )
    to_assess = list(
        visible.filter(to_unit_id=user.organisation_id, status=ConcernStatus.RECEIVED).order_by("recorded_at")
    )
    assessed = list(
        visible.filter(to_unit_id=user.organisation_id)
        .exclude(status=ConcernStatus.RECEIVED)
        .order_by("-assessed_at")[:recent]
    )
    sent = list(visible.exclude(to_unit_id=user.organisation_id).order_by("-recorded_at")[:recent])
    with transaction.atomic():
        access.record_list(user, [*to_assess, *assessed, *sent], purpose="reports of concern")
    crypto.prefetch_data_keys(r.child_id for r in [*to_assess, *assessed, *sent])
    return {"to_assess": to_assess, "assessed": assessed, "sent": sent}


def concern_report_get_for(*, user: User, report_id) -> ConcernReport:
    report = (
        ConcernReport.objects.select_related("child", "from_unit", "to_unit", "recorded_by", "assessed_by")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise Http404
    access.check(user, Action.VIEW, report, purpose="report of concern")
    return report


def waiting_concern_reports(user: User) -> list:
    """For the start page (lotsa.waiting): reports of concern the district has to assess."""
    if not user.has_role(*CASE_PAGE_ROLES) or user.organisation_id is None:
        return []
    count = (
        access.visible_to(user, ConcernReport.objects.all())
        .filter(to_unit_id=user.organisation_id, status=ConcernStatus.RECEIVED)
        .count()
    )
    if not count:
        return []
    text = ngettext(
        "%(n)d report of concern for a child waits to be assessed",
        "%(n)d reports of concern for children wait to be assessed",
        count,
    ) % {"n": count}
    return [Waiting(text=text, url=reverse("cases:concern_reports"), urgent=True)]


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
