"""Reads of hand-overs that ask lotsa.access, record the access event and return (or raise a denial
that is already recorded)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import CASE_PAGE_ROLES, CASEWORK_ROLES
from audit.models import Action
from cases.handovers.access import LAPSED, request_gate
from cases.handovers.filters import FROM_US, TO_US, HandoverFilter
from cases.handovers.models import Handover, HandoverRequest, HandoverRequestStatus, HandoverStatus
from cases.models import Case
from cases.words import CloseReason
from lotsa import access, crypto
from lotsa.waiting import Waiting


def handovers_visible_to(*, user: User) -> QuerySet[Handover]:
    return access.visible_to(user, Handover.objects.all())


def _handover_rows(queryset) -> list[Handover]:
    return list(
        queryset.select_related(
            "person", "from_unit", "to_unit", "sent_by", "decided_by", "from_case", "accepted_case"
        )
    )


def handovers_for(*, user: User, filters: HandoverFilter | None = None, recent: int = 50) -> dict:
    """The hand-overs waiting for the user's unit (oldest first, overdue flagged), and those the user's
    side sent or its unit decided lately, filtered and sorted as ``filters`` (read by the view) asks;
    one access event naming the people shown. A sort by name is made here, on the rows read."""
    filters = filters or HandoverFilter.opening()
    direction = filters.value("direction")
    visible = filters.apply(handovers_visible_to(user=user))
    sorted_in_db = bool(visible.query.order_by)
    to_us = visible.filter(to_unit_id=user.organisation_id)
    waiting, received, sent = [], [], []
    if direction != FROM_US:
        waiting = _handover_rows(to_us.undecided() if sorted_in_db else to_us.undecided().order_by("sent_at"))
        decided = to_us.exclude(status=HandoverStatus.SENT)
        received = _handover_rows((decided if sorted_in_db else decided.order_by("-decided_at"))[:recent])
    if direction != TO_US:
        theirs = visible.exclude(to_unit_id=user.organisation_id)
        sent = _handover_rows((theirs if sorted_in_db else theirs.order_by("-sent_at"))[:recent])
    with transaction.atomic():
        access.record_list(user, [*waiting, *received, *sent], purpose="hand-overs")
    crypto.prefetch_data_keys(h.person_id for h in [*waiting, *received, *sent])
    return {
        "waiting": filters.sort_rows(waiting),
        "received": filters.sort_rows(received),
        "sent": filters.sort_rows(sent),
        "filters": filters,
        "direction": direction,
    }


def handover_get_for(*, user: User, handover_id) -> Handover:
    """One hand-over, or a denial already in the access log (unknown ids are 404)."""
    handover = _handover_rows(Handover.objects.filter(pk=handover_id))
    if not handover:
        raise Http404
    access.check(user, Action.VIEW, handover[0], purpose="hand-over")
    return handover[0]


def closing_to_propose_for(*, user: User, handover: Handover):
    """The case the hand-over was sent from, when it was accepted and the user, who may change that
    case, is asked to propose closing it (unrecorded: the page offers, the closing is decided when it
    is posted, and the hand-over's page has recorded the reading already)."""
    asked = Handover.objects.closing_to_propose().filter(pk=handover.pk)
    if handover.from_case is None or not asked.exists():
        return None
    return handover.from_case if access.decide(user, Action.UPDATE, handover.from_case).allowed else None


def _closing_to_propose_by(user: User):
    """The accepted hand-overs whose sending case the user, its handler (its responsible social
    worker; the sender while nobody is), is asked to propose closing."""
    handled = Q(from_case__responsible=user) | Q(from_case__responsible__isnull=True, sent_by=user)
    return Handover.objects.closing_to_propose().filter(handled)


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
    asked = handover_requests_waiting_count(user=user)
    if asked:
        text = ngettext(
            "%(n)d request for a hand-over waits for your unit's answer",
            "%(n)d requests for a hand-over wait for your unit's answer",
            asked,
        ) % {"n": asked}
        items.append(Waiting(text=text, url=reverse("cases:handover_requests")))
    # The sender's side: what the receivers accepted, so that the sending case is proposed closed
    # (four eyes: its handler proposes, its supervisor decides; accepting never closes it).
    if user.has_role(*CASEWORK_ROLES):
        accepted = list(_closing_to_propose_by(user).values_list("from_case_id", flat=True))
        if accepted:
            count = len(accepted)
            text = ngettext(
                "%(n)d hand-over you sent was accepted: propose closing your case",
                "%(n)d hand-overs you sent were accepted: propose closing your cases",
                count,
            ) % {"n": count}
            url = (
                reverse("cases:close", kwargs={"case_id": accepted[0]}) + "?reason=" + CloseReason.HANDED_OVER
                if count == 1
                else reverse("cases:handovers")
            )
            items.append(Waiting(text=text, url=url))
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


def _request_rows(queryset, limit: int = 100) -> list[HandoverRequest]:
    """The requests, each marked ``lapsed`` when the pointer's gate no longer holds for it (decided
    anew, unrecorded: a lapsed request is shown without its content, so nothing of it is read; an
    answered or declined one too, once the consent is gone)."""
    rows = list(
        queryset.select_related(
            "person__organisation", "from_unit", "to_unit", "asked_by", "decided_by", "handover"
        )[:limit]
    )
    for row in rows:
        row.lapsed = not request_gate(row).allowed
    return rows


def handover_requests_for(*, user: User) -> dict:
    """The requests for a hand-over the user's side sent (its unit asked another unit to hand a person
    over) and those waiting for, or lately answered by, its unit as the holding unit. One access event
    names the people the list shows: a lapsed request shows nobody (nor its reason), so it names
    nobody."""
    visible = access.visible_to(user, HandoverRequest.objects.all())
    received = _request_rows(visible.filter(to_unit_id=user.organisation_id).order_by("-status", "-asked_at"))
    asked = _request_rows(visible.filter(from_unit_id=user.organisation_id).order_by("-asked_at"))
    shown = [row for row in [*received, *asked] if not row.lapsed]
    with transaction.atomic():
        access.record_list(user, shown, purpose="requests for a hand-over")
    crypto.prefetch_data_keys(row.person_id for row in shown)
    return {"received": received, "asked": asked}


def handover_request_get_for(*, user: User, request_id) -> HandoverRequest:
    """One request for a hand-over, decided and recorded (either side; lapsed, it is read without its
    content: ``lapsed`` says so), or a denial already in the access log (unknown ids are 404)."""
    rows = _request_rows(HandoverRequest.objects.filter(pk=request_id))
    if not rows:
        raise Http404
    decision = access.check(user, Action.VIEW, rows[0], purpose="request for a hand-over")
    rows[0].lapsed = decision.reason == LAPSED
    return rows[0]


def cases_to_answer_from(*, user: User, request: HandoverRequest) -> list[Case]:
    """The holding unit's cases of the person that the user may send the answering hand-over from (a
    handler's own open cases); none while the request is answered or has lapsed. Unrecorded: the page
    offers, and sending is decided when it is posted (the request's page has recorded the reading)."""
    if not request.is_open or request.lapsed or user.organisation_id != request.to_unit_id:
        return []
    cases = access.visible_to(user, Case.objects.filter(person_id=request.person_id)).order_by("-opened_at")
    return [case for case in cases if access.decide(user, Action.UPDATE, case).allowed]


def handover_requests_waiting_count(*, user: User) -> int:
    if not user.has_role(*CASE_PAGE_ROLES) or user.organisation_id is None:
        return 0
    visible = access.visible_to(user, HandoverRequest.objects.all())
    return visible.filter(to_unit_id=user.organisation_id, status=HandoverRequestStatus.WAITING).count()
