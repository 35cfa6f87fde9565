"""Reads of intervention groups: each asks lotsa.access (or consent.policy for what crosses between
member organisations), records what it returns, and returns."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import CIVIL_SOCIETY_KINDS, User
from accounts.roles import CASEWORK_ROLES
from audit.models import Action
from cases import queries as case_queries
from cases import selectors as case_selectors
from cases import services as case_services
from cases.access import THREAT_PICTURE_ON_GROUP_PAGE
from cases.words import VisitedPage
from consent import policy as consent_policy
from consent.selectors import consents_expiring_for
from defectors import queries as programme_queries
from lotsa import access, news
from lotsa.dates import how_soon
from lotsa.vocabulary import Purpose
from lotsa.waiting import Waiting
from sig import queries
from sig.access import PlanPolicy
from sig.models import (
    ActionStatus,
    GroupStatus,
    InterventionGroup,
    PlanAction,
    SharedEntry,
    ThreatAssessment,
)
from sig.services import PURPOSE, membership_of


def groups_visible_to(*, user: User) -> QuerySet[InterventionGroup]:
    return access.visible_to(user, InterventionGroup.objects.all())


def group_get_for(*, user: User, group_id, purpose: str = "intervention group") -> InterventionGroup:
    """The group, or a denial already in the access log (unknown ids are 404)."""
    group = (
        InterventionGroup.objects.select_related("case__person", "case__owner_unit")
        .filter(pk=group_id)
        .first()
    )
    if group is None:
        raise Http404
    with transaction.atomic():
        access.check(user, Action.VIEW, group, purpose=purpose)
    return group


def overview_for(*, user: User) -> dict:
    """My groups, overdue actions and threat re-assessments, and consents about to expire: every group and
    every person shown is recorded before anything is rendered."""
    groups = list(
        groups_visible_to(user=user)
        .select_related("case__person", "case__owner_unit")
        .order_by("next_meeting_on", "created_at")
    )
    with transaction.atomic():
        access.record_list(user, groups, purpose="my intervention groups")
    new = _news_on_group_pages(user=user, groups=groups)
    for group in groups:
        group.news = new.get(group.pk, 0)
    today = timezone.localdate()
    casework = user.has_role(*CASEWORK_ROLES)
    plan_groups = PlanPolicy().groups_with_plan_visible(user, groups_visible_to(user=user))
    overdue_actions = [
        action
        for action in PlanAction.objects.filter(
            goal__group__in=plan_groups,
            due__lt=today,
            status__in=[ActionStatus.PLANNED, ActionStatus.ONGOING],
        ).select_related("goal__group", "owner")
        if action.owner_id == user.organisation_id or casework
    ]
    # Each group's latest assessment, told only where the viewer may see it (the assessment policy).
    overdue_reassessments = [
        a
        for a in queries.latest_assessments_visible(user, groups_visible_to(user=user))
        if a.reassessment_overdue and (a.organisation_id == user.organisation_id or casework)
    ]
    expiring = consents_expiring_for(user=user, purpose=Purpose.INTERVENTION_GROUP) if casework else []
    outgrowing = (
        [
            group
            for group in groups
            if _outgrows_band_soon(group, today) and group.case.responsible_id == user.pk
        ]
        if casework
        else []
    )
    return {
        "groups": groups,
        "outgrowing": outgrowing,
        "overdue_actions": overdue_actions,
        "overdue_reassessments": overdue_reassessments,
        "expiring": expiring,
    }


def _news_on_group_pages(*, user: User, groups) -> dict:
    """For the list of groups (already decided and recorded): how many shared entries and threat
    assessments the user may see on each group's page are new to them since their last visit of it,
    {group id: count} for those with something new; one query for the whole list (lotsa.news)."""
    ids = [group.pk for group in groups]
    if not ids:
        return {}
    since = OuterRef("seen")
    entries = access.visible_to(user, SharedEntry.objects.all())
    assessments = access.visible_to(user, ThreatAssessment.objects.all())
    rows = (
        InterventionGroup.objects.filter(pk__in=ids)
        .annotate(seen=case_queries.last_visit(user=user, page=VisitedPage.GROUP, case=OuterRef("case_id")))
        .annotate(
            news=news.count_new(entries, link="group", user=user, since=since)
            + news.count_new(assessments, link="group", user=user, since=since)
        )
        .values_list("pk", "news")
    )
    return {group_id: count for group_id, count in rows if count}


def _band_horizon(today):
    return today + dt.timedelta(days=settings.LOTSA_SIG_BAND_WARNING_DAYS)


def _outgrows_band_soon(group: InterventionGroup, today) -> bool:
    return (
        group.status != GroupStatus.CLOSED
        and group.band_ends_on is not None
        and group.band_ends_on <= _band_horizon(today)
    )


def group_page_for(*, user: User, group_id) -> dict:
    """What one member (or the owning unit's supervisor) sees of a group, after one recorded decision;
    every shared entry and assessment shown is recorded too. What is new to the user since their last
    visit of the page is marked (``is_new``) and counted (lotsa.news)."""
    group = group_get_for(user=user, group_id=group_id)
    last_visit = case_services.case_visit_record(user=user, case=group.case, page=VisitedPage.GROUP)
    civil = user.organisation is not None and user.organisation.kind in CIVIL_SOCIETY_KINDS
    entries = queries.visible_shared_entries(user, group)
    assessments = queries.visible_assessments(user, group)
    meetings = (
        [
            (meeting, queries.visible_minutes(user, meeting))
            for meeting in group.meetings.prefetch_related("items", "attendance__membership__user")
        ]
        if not civil
        else []
    )
    with transaction.atomic():
        access.record_list(user, [*entries, *assessments], action=Action.VIEW, purpose="intervention group")
        programme_assessment = programme_assessment_for(user=user, group=group)
    shows_plan = queries.plan_visible(user, group)
    for row in [*entries, *assessments]:
        row.is_new = news.is_new(row, user=user, since=last_visit)
    return {
        "group": group,
        "membership": membership_of(user, group),
        "civil": civil,
        "entries": entries,
        "assessments": assessments,
        "programme_assessment": programme_assessment,
        "last_visit": last_visit,
        "new_count": sum(row.is_new for row in [*entries, *assessments]),
        "meetings": meetings,
        "plan_visible": shows_plan,
        "goals": group.goals.prefetch_related("actions__owner").order_by("created_at") if shows_plan else [],
        **_birthday_limits(user, group),
        # The group's referrals are hand-overs of its case (the coordinator's record): units and dates.
        "referrals": (case_queries.referrals_from_group(case=group.case) if not civil else []),
    }


def _birthday_limits(user: User, group: InterventionGroup) -> dict:
    """When sharing pauses because the guardians' consent ends at majority (unless the young person
    consents as an adult before it), and when the person outgrows the group's age band: every member
    is told, but those days are birthdays and give the birth date away, so only the owning unit reads
    the day; the other members how soon it comes (lotsa.dates.how_soon)."""
    today = timezone.localdate()
    owning_unit = user.organisation_id == group.case.owner_unit_id
    pauses_on = consent_policy.sharing_pauses_on(person_id=group.case.person_id, purpose=PURPOSE)
    outgrows_on = group.band_ends_on if _outgrows_band_soon(group, today) else None
    return {
        "sharing_pauses_on": pauses_on if owning_unit else None,
        "sharing_pauses_soon": how_soon(pauses_on, today) if pauses_on else "",
        "outgrows_band_on": outgrows_on if owning_unit else None,
        "outgrows_band_soon": how_soon(outgrows_on, today) if outgrows_on and outgrows_on > today else "",
        "outgrown_band": outgrows_on is not None and outgrows_on <= today,
    }


def programme_assessment_for(*, user: User, group: InterventionGroup):
    """One person, one threat picture: BOPS's latest assessment of the group's person in the defector
    programme, in whichever unit's record of the person (found through the blind index, never by
    decrypting), for a member of a group about the person outside civil society, while the consent for
    the defector programme lets threat and protection cross to the member's organisation — decided by
    its policy (defectors.access) on every request, and recorded. Otherwise None, and nothing is
    recorded: the page says nothing of the programme."""
    return case_selectors.latest_of_same_person_shown(
        user=user,
        records=programme_queries.bops_assessments_shown_elsewhere(),
        person_id=group.case.person_id,
        purpose=THREAT_PICTURE_ON_GROUP_PAGE,
    )


def waiting_in_groups(user: User) -> list:
    """For the start page (counts only, never a person): overdue actions of the groups' plans that are
    the user's to carry out (a handler: all of them), and overdue threat re-assessments of the police."""
    groups = groups_visible_to(user=user)
    if not groups.exists():
        return []
    today = timezone.localdate()
    casework = user.has_role(*CASEWORK_ROLES)
    actions = PlanAction.objects.filter(
        goal__group__in=PlanPolicy().groups_with_plan_visible(user, groups),
        due__lt=today,
        status__in=[ActionStatus.PLANNED, ActionStatus.ONGOING],
    )
    if not casework:
        actions = actions.filter(owner_id=user.organisation_id)
    reassessments = sum(  # counted only where the user may see the assessment (its policy)
        1
        for a in queries.latest_assessments_visible(user, groups)
        if a.reassessment_overdue and (casework or a.organisation_id == user.organisation_id)
    )
    outgrowing = (
        groups.exclude(status=GroupStatus.CLOSED)
        .filter(band_ends_on__lte=_band_horizon(today), case__responsible=user)
        .count()
        if casework
        else 0
    )
    items, url = [], reverse("sig:overview")
    if outgrowing:
        text = ngettext(
            "%(n)d person in an intervention group outgrows its age band: move them or close the group",
            "%(n)d people in intervention groups outgrow their age bands: move them or close the groups",
            outgrowing,
        )
        items.append(Waiting(text % {"n": outgrowing}, url))
    overdue = actions.count()
    if overdue:
        text = ngettext("%(n)d planned action is overdue", "%(n)d planned actions are overdue", overdue)
        items.append(Waiting(text % {"n": overdue}, url, urgent=True))
    if reassessments:
        text = ngettext(
            "%(n)d threat assessment is due for re-assessment",
            "%(n)d threat assessments are due for re-assessment",
            reassessments,
        )
        items.append(Waiting(text % {"n": reassessments}, url, urgent=True))
    return items
