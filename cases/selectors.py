"""Reads of cases that ask lotsa.access, record the access event and return (or raise a denial that
is already recorded)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from audit import services as audit
from audit.models import Action
from cases.access import is_named_handler
from cases.models import AssignmentRequest, Case, Person, RequestStatus
from lotsa import access
from lotsa.crypto import blind_index_lookup


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
    """Pending requests ``user`` may decide, oldest first; one access event per request shown."""
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
