"""Reads of relatives' support that trust a decision already made and recorded by the caller."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import queries as case_queries
from cases.words import CaseStatus
from lotsa import access
from lotsa.calendar_items import CalendarItem, within
from relatives.models import Relation, SupportConversation


def holdings_of(*, person, organisation_id) -> list[tuple[str, list[str]]]:
    """The support conversations held with the person in the unit's cases, for the subject access
    extract (called after its EXPORT decision naming the person; records nothing itself). Dates and
    forms only; the relation to the person concerned is the relative's own and is not repeated."""
    conversations = SupportConversation.objects.filter(person=person, case__owner_unit_id=organisation_id)
    lines = [f"{c.held_on.isoformat()}: {c.get_form_display()}" for c in conversations.order_by("held_on")]
    return [(_("Support conversations"), lines)] if lines else []


def archive_of_support(case) -> list[tuple[str, list[str]]]:
    """For the archive's package (retention.archive): a relative's own support case as the unit's file
    holds it: the relation to the person concerned (the relative's own record) and every support
    conversation with its notes. Called after the package's EXPORT decision naming the relative is
    recorded; records nothing. Nothing for a case without relatives' support."""
    relations = [
        _("%(kind)s of %(name)s (%(number)s), recorded %(when)s")
        % {
            "kind": relation.get_kind_display(),
            "name": relation.concerned_name or "-",
            "number": relation.concerned_number or "-",
            "when": timezone.localtime(relation.recorded_at).date().isoformat(),
        }
        for relation in Relation.objects.filter(case=case).order_by("recorded_at", "pk")
    ]
    conversations = []
    for conversation in SupportConversation.objects.filter(case=case).order_by("held_on", "pk"):
        conversations.append(f"{conversation.held_on.isoformat()}: {conversation.get_form_display()}")
        if conversation.notes:
            conversations.append(conversation.notes)
    if not relations and not conversations:
        return []
    return [
        (_("Relation to the person concerned"), relations or [_("None")]),
        (_("Support conversations"), conversations or [_("None")]),
    ]


def planned_follow_ups(user) -> QuerySet[SupportConversation]:
    """The follow-ups planned with relatives in live cases, where the user may read the case: a case's
    latest support conversation plans its follow-up; a later conversation is the follow-up held."""
    later = SupportConversation.objects.filter(case=OuterRef("case"), held_on__gt=OuterRef("held_on"))
    return (
        access.visible_to(user, SupportConversation.objects.filter(follow_up_on__isnull=False))
        .exclude(case__status=CaseStatus.CLOSED)
        .exclude(Exists(later))
    )


def calendar_of_follow_ups(user, *, start, end, case=None) -> list[CalendarItem]:
    """For the calendar (lotsa.calendar_items): the follow-ups planned with relatives, in the cases the
    user handles (or in ``case``). The relation to the person concerned is never shown: only the
    relative, whose own case it is."""
    planned = planned_follow_ups(user).filter(within("follow_up_on", start, end))
    if case is None:
        planned = planned.filter(case__in=case_queries.cases_handled_by(user=user))
    else:
        planned = planned.filter(case=case)
    today = timezone.localdate()
    return [
        CalendarItem(
            day=conversation.follow_up_on,
            what=_("Follow-up with a relative"),
            url=reverse("relatives:case", kwargs={"case_id": conversation.case_id}),
            record=conversation,
            person=conversation.case.person,
            urgent=conversation.follow_up_on < today,
        )
        for conversation in planned.select_related("case__person").order_by("follow_up_on", "pk")
    ]
