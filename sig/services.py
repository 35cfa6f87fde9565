"""Intervention groups: forming, membership under consent, activation, meetings, the action plan,
shared entries and threat assessments. Every change asks lotsa.access and leaves an access event;
every read across organisations goes through consent.policy."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CIVIL_SOCIETY_KINDS, SOCIAL_SERVICES_KINDS, Organisation, OrganisationKind, User
from audit.models import Action
from cases import personal_number as pnr
from cases import queries as case_queries
from cases.handovers.services import handover_send
from cases.handovers.words import HandoverSource
from cases.words import INTERVENTION_GROUP_TARGET_GROUPS, TargetGroup
from consent import policy
from lotsa import access
from lotsa.dates import add_months
from lotsa.errors import DomainError
from lotsa.vocabulary import InformationCategory, Purpose, ThreatLevel
from sig.models import (
    ActionStatus,
    Attendance,
    Goal,
    GroupOutcome,
    GroupStatus,
    InterventionGroup,
    Meeting,
    MemberRole,
    Membership,
    MinutesItem,
    PlanAction,
    SharedEntry,
    ThreatAssessment,
)

PURPOSE = Purpose.INTERVENTION_GROUP


def band_for(age: int | None) -> tuple[str, bool]:
    """The band a person of ``age`` belongs to, and whether they are inside it. Outside every band:
    the nearest one, with a warning (not a refusal)."""
    bands = settings.LOTSA_SIG_BANDS
    if age is not None:
        for code, _label, low, high in bands:
            if low <= age <= high:
                return code, True
        nearest = min(bands, key=lambda band: min(abs(age - band[2]), abs(age - band[3])))
        return nearest[0], False
    return bands[0][0], False


def band_ends_on(code: str, born) -> dt.date | None:
    """The day someone born on ``born`` outgrows the band ``code``: the birthday after its upper age."""
    high = next((high for band, _label, _low, high in settings.LOTSA_SIG_BANDS if band == code), None)
    return pnr.birthday(born, high + 1) if high is not None else None


def band_label(code: str) -> str:
    return next((str(label) for band, label, _low, _high in settings.LOTSA_SIG_BANDS if band == code), code)


def consents_in_force(group: InterventionGroup, at=None) -> list:
    return list(policy.consents_in_force(person_id=group.case.person_id, purpose=PURPOSE, at=at))


def organisations_named(group: InterventionGroup, at=None) -> set[int]:
    return policy.organisations_named(person_id=group.case.person_id, purpose=PURPOSE, at=at)


def current_members(group: InterventionGroup):
    return group.memberships.filter(left_at__isnull=True).select_related("user", "organisation")


def membership_of(user, group: InterventionGroup) -> Membership | None:
    return group.memberships.filter(user=user, left_at__isnull=True).select_related("organisation").first()


def missing_consent(group: InterventionGroup, at=None) -> list:
    """Member organisations that no consent in force names: they see nothing until one does."""
    named = organisations_named(group, at)
    return [
        m.organisation
        for m in current_members(group)
        if m.organisation_id != group.case.owner_unit_id and m.organisation_id not in named
    ]


@transaction.atomic
def group_form(*, by: User, case_id) -> tuple[InterventionGroup, bool]:
    """Form a group around a case; the social worker becomes its coordinator. Returns the group and
    whether the person is inside the band."""
    case = case_queries.case_for_service(case_id=case_id, lock=True)
    access.check(by, Action.UPDATE, case, purpose="form an intervention group")
    if case.target_group not in INTERVENTION_GROUP_TARGET_GROUPS:
        raise DomainError(
            _("An intervention group is not formed around %(whom)s, who is supported in their own right.")
            % {"whom": str(TargetGroup(case.target_group).label).lower()}
        )
    if InterventionGroup.objects.filter(case=case).exists():
        raise DomainError(_("The case has an intervention group already."))
    band, inside = band_for(case.person.age())
    group = InterventionGroup.objects.create(
        case=case, band=band, band_ends_on=band_ends_on(band, case.person.birth_date)
    )
    Membership.objects.create(
        group=group, user=by, organisation_id=by.organisation_id, role=MemberRole.COORDINATOR
    )
    return group, inside


def _coordinator_check(by: User, group: InterventionGroup, purpose: str) -> None:
    """Changing the group is the coordinator's: the case's social worker, under the case's rules."""
    access.check(by, Action.UPDATE, group.case, purpose=purpose)


@transaction.atomic
def member_add(*, by: User, group_id, user: User, role: str) -> Membership:
    group = InterventionGroup.objects.select_for_update().select_related("case__person").get(pk=group_id)
    _coordinator_check(by, group, "add a group member")
    if group.status == GroupStatus.CLOSED:
        raise DomainError(_("The group is closed."))
    if role not in MemberRole.values:
        raise DomainError(_("Choose the member's role in the group."))
    organisation = user.organisation
    if organisation is None or not user.is_active:
        raise DomainError(_("Only active users of an organisation can join."))
    if membership_of(user, group):
        raise DomainError(_("%(name)s is a member already.") % {"name": user.get_full_name()})
    if organisation.pk != group.case.owner_unit_id and organisation.pk not in organisations_named(group):
        raise DomainError(
            _(
                "No consent for the intervention group names %(organisation)s: "
                "record the person's consent first."
            )
            % {"organisation": organisation.name}
        )
    membership = Membership.objects.create(group=group, user=user, organisation=organisation, role=role)
    return membership


@transaction.atomic
def undertaking_accept(*, by: User, group_id) -> Membership:
    group = InterventionGroup.objects.select_related("case").get(pk=group_id)
    membership = require_member(by, group, "accept the confidentiality undertaking")
    membership.undertaking_accepted_at = membership.undertaking_accepted_at or timezone.now()
    membership.save(update_fields=["undertaking_accepted_at"])
    return membership


def activation_problems(group: InterventionGroup) -> list[str]:
    kinds = {m.organisation.kind for m in current_members(group)}
    problems = []
    if not kinds & SOCIAL_SERVICES_KINDS:
        problems.append(_("Social services must be a member."))
    if not kinds & {OrganisationKind.POLICE}:
        problems.append(_("The police must be a member."))
    if not consents_in_force(group):
        problems.append(_("No consent for the intervention group is in force."))
    for organisation in missing_consent(group):
        problems.append(_("No consent names %(organisation)s.") % {"organisation": organisation.name})
    return problems


@transaction.atomic
def group_activate(*, by: User, group_id) -> InterventionGroup:
    group = InterventionGroup.objects.select_for_update().select_related("case__person").get(pk=group_id)
    _coordinator_check(by, group, "activate the group")
    if group.status != GroupStatus.FORMING:
        raise DomainError(_("Only a forming group can be made active."))
    if problems := activation_problems(group):
        raise DomainError(" ".join(str(problem) for problem in problems))
    group.status, group.activated_at = GroupStatus.ACTIVE, timezone.now()
    group.save(update_fields=["status", "activated_at"])
    return group


@transaction.atomic
def group_close(*, by: User, group_id, outcome: str) -> InterventionGroup:
    group = InterventionGroup.objects.select_for_update().select_related("case").get(pk=group_id)
    _coordinator_check(by, group, "close the group")
    if outcome not in GroupOutcome.values:
        raise DomainError(_("Choose the outcome."))
    group.status, group.outcome, group.closed_at = GroupStatus.CLOSED, outcome, timezone.now()
    group.save(update_fields=["status", "outcome", "closed_at"])
    return group


# --- What members record ----------------------------------------------------------------------------


def require_member(by: User, group: InterventionGroup, purpose: str) -> Membership:
    """The user's current membership of an open group, while the rule that lets them read what the
    group shares still holds (lotsa.access: the group policy); otherwise a denial already recorded."""
    access.check(by, Action.CREATE, group, purpose=purpose)
    return membership_of(by, group)


def _member_writing(by: User, group: InterventionGroup, purpose: str) -> Membership:
    """A member writes for the group while it is open; civil society after the undertaking."""
    membership = require_member(by, group, purpose)
    if by.organisation.kind in CIVIL_SOCIETY_KINDS and membership.undertaking_accepted_at is None:
        raise DomainError(_("Accept the confidentiality undertaking first."))
    return membership


@transaction.atomic
def shared_entry_add(
    *, by: User, group_id, category: str, text: str, for_civil_society: bool = False
) -> SharedEntry:
    group = InterventionGroup.objects.select_related("case").get(pk=group_id)
    entry = SharedEntry(
        group=group,
        person_id=group.case.person_id,
        organisation_id=by.organisation_id,
        author=by,
        category=category,
        for_civil_society=for_civil_society,
    )
    # Who may share what (the undertaking, summaries by social services) is the policy's: a refusal
    # is the act's one decision, a denial with its reason (sig.access).
    access.check(by, Action.CREATE, entry, purpose="share with the group")
    entry.organisation_id = membership_of(by, group).organisation_id
    if category not in InformationCategory.values:
        raise DomainError(_("Choose an information category."))
    if not text.strip():
        raise DomainError(_("Write something in the entry."))
    entry.text = text.strip()
    entry.save()
    return entry


@transaction.atomic
def threat_assess(
    *,
    by: User,
    group_id,
    level: str,
    protection_need: bool,
    notes: str,
    reassessment_due: dt.date | None = None,
    assessed_on: dt.date | None = None,
) -> ThreatAssessment:
    """The police record an assessment made on ``assessed_on`` (today if not given): not in the future,
    not before the group's case was opened (cases.queries). The re-assessment is due three months from
    the day it was made unless another day after it is given."""
    group = InterventionGroup.objects.select_related("case").get(pk=group_id)
    assessment = ThreatAssessment(
        group=group,
        person_id=group.case.person_id,
        organisation_id=by.organisation_id,
        author=by,
        level=level,
        protection_need=protection_need,
    )
    access.check(by, Action.CREATE, assessment, purpose="assess threat and protection need")  # police only
    assessment.organisation_id = membership_of(by, group).organisation_id
    if level not in ThreatLevel.values:
        raise DomainError(_("Choose the threat level."))
    assessed_on = case_queries.happened_on_check(assessed_on or timezone.localdate(), case=group.case)
    if reassessment_due is None:
        reassessment_due = add_months(assessed_on, settings.LOTSA_THREAT_REVIEW_MONTHS)
    if reassessment_due <= assessed_on:
        raise DomainError(_("The re-assessment comes after the assessment."))
    assessment.assessed_on = assessed_on
    assessment.reassessment_due = reassessment_due
    assessment.notes = notes.strip() or None
    assessment.save()
    return assessment


@transaction.atomic
def meeting_record(
    *,
    by: User,
    group_id,
    held_on: dt.date,
    present_ids: set[int],
    items: list[tuple[str, str]],
    decisions: str,
) -> Meeting:
    group = InterventionGroup.objects.select_related("case").get(pk=group_id)
    _coordinator_check(by, group, "record a meeting")
    membership = membership_of(by, group)
    if membership is None:
        raise DomainError(_("You are not a member of this group."))
    items = [(category, text.strip()) for category, text in items if text.strip()]
    if any(category not in InformationCategory.values for category, _text in items):
        raise DomainError(_("Choose an information category for every item."))
    if not items and not decisions.strip():
        raise DomainError(_("Write the minutes or the decisions of the meeting."))
    if not present_ids:
        raise DomainError(_("Mark who was present at the meeting."))
    case_queries.happened_on_check(held_on, case=group.case)
    meeting = Meeting(group=group, person_id=group.case.person_id, held_on=held_on, created_by=by)
    meeting.decisions = decisions.strip() or None
    meeting.save()
    for member in current_members(group):
        Attendance.objects.create(meeting=meeting, membership=member, present=member.pk in present_ids)
    for category, text in items:
        item = MinutesItem(
            meeting=meeting,
            person_id=group.case.person_id,
            organisation_id=membership.organisation_id,
            category=category,
        )
        item.text = text
        item.save()
    return meeting


@transaction.atomic
def goal_add(*, by: User, group_id, text: str) -> Goal:
    group = InterventionGroup.objects.select_related("case").get(pk=group_id)
    _coordinator_check(by, group, "add a goal")
    if not text.strip():
        raise DomainError(_("Write the goal."))
    goal = Goal(group=group, person_id=group.case.person_id)
    goal.text = text.strip()
    goal.save()
    return goal


@transaction.atomic
def action_add(*, by: User, goal_id, owner_id: int, text: str, due: dt.date) -> PlanAction:
    goal = Goal.objects.select_related("group__case").get(pk=goal_id)
    _coordinator_check(by, goal.group, "plan an action")
    if not text.strip():
        raise DomainError(_("Write the action."))
    if owner_id not in {m.organisation_id for m in current_members(goal.group)}:
        raise DomainError(_("An action is owned by a member organisation."))
    action = PlanAction(goal=goal, person_id=goal.person_id, owner_id=owner_id, due=due)
    action.text = text.strip()
    action.save()
    return action


@transaction.atomic
def action_update(*, by: User, action_id, status: str, follow_up: str) -> PlanAction:
    action = PlanAction.objects.select_for_update().select_related("goal__group__case").get(pk=action_id)
    membership = _member_writing(by, action.goal.group, "follow up an action")
    if (
        membership.organisation_id != action.owner_id
        and not access.decide(by, Action.UPDATE, action.goal.group.case).allowed
    ):
        raise DomainError(_("The owning organisation or the coordinator follows up an action."))
    if status not in ActionStatus.values:
        raise DomainError(_("Choose a status."))
    if status == ActionStatus.DONE and action.status != ActionStatus.DONE:
        action.done_on = timezone.localdate()
    elif status != ActionStatus.DONE:
        action.done_on = None
    action.status = status
    action.follow_up = follow_up.strip() or None
    action.save(update_fields=["status", "follow_up", "done_on"])
    return action


def referral_offered(assessment: ThreatAssessment | None) -> bool:
    """A high threat with a protection need offers a referral to the defector programme."""
    return bool(assessment and assessment.level == ThreatLevel.HIGH and assessment.protection_need)


@transaction.atomic
def next_meeting_set(*, by: User, group_id, on: dt.date) -> InterventionGroup:
    group = InterventionGroup.objects.select_for_update().select_related("case").get(pk=group_id)
    _coordinator_check(by, group, "plan the next meeting")
    if on < timezone.localdate():
        raise DomainError(_("The next meeting lies ahead."))
    group.next_meeting_on = on
    group.save(update_fields=["next_meeting_on"])
    return group


@transaction.atomic
def member_remove(*, by: User, group_id, membership_id: int) -> Membership:
    """A member leaves the group: from the next request on they see nothing of it."""
    group = InterventionGroup.objects.select_related("case").get(pk=group_id)
    _coordinator_check(by, group, "remove a group member")
    membership = group.memberships.filter(pk=membership_id, left_at__isnull=True).first()
    if membership is None:
        raise DomainError(_("That person is not a member of the group."))
    if membership.role == MemberRole.COORDINATOR:
        raise DomainError(_("The coordinator cannot leave the group; reassign the case instead."))
    membership.left_at = timezone.now()
    membership.save(update_fields=["left_at"])
    return membership


def refer_to_defector_programme(*, by: User, group_id, organisation_id: int, note: str):
    """The coordinator refers the person to the city's defector programme: a hand-over from the group's
    case (cases.services, decided there as the case's change), offered only after a police assessment
    of high threat with a protection need, and only to a programme that a consent for the defector
    programme names."""
    group = InterventionGroup.objects.select_related("case").get(pk=group_id)
    latest = group.assessments.order_by("-assessed_on", "-recorded_at").first()
    refusal = ""
    if group.status == GroupStatus.CLOSED:
        refusal = _("The group is closed.")
    elif not referral_offered(latest):
        refusal = _("A referral follows a police assessment of high threat with a protection need.")
    elif not Organisation.objects.filter(
        pk=organisation_id, kind=OrganisationKind.DEFECTOR_PROGRAMME
    ).exists():
        refusal = _("Choose a defector programme.")
    return handover_send(
        by=by,
        case_id=group.case_id,
        to_unit_id=organisation_id,
        purpose=Purpose.DEFECTOR_PROGRAMME,
        note=note,
        source=HandoverSource.INTERVENTION_GROUP,
        refusal=refusal,
    )


def group_dates_erase(*, person_id, **_signal) -> None:
    """The groups around an erased person keep no day they outgrow their band: a birth date could be
    read back from it (sent by ``cases.services.person_erase``, in its transaction)."""
    InterventionGroup.objects.bypassing_guard("erasure: a date derived from the birth date").filter(
        case__person_id=person_id
    ).update(band_ends_on=None)


def group_dates_correct(*, person_id, born, **_signal) -> None:
    """A person recorded without a number is given their real number (sent by
    ``cases.services.person_merge_decide``, in its transaction): the open groups around them outgrow
    their band on the day the real birth date gives."""
    for group in InterventionGroup.objects.filter(case__person_id=person_id).exclude(
        status=GroupStatus.CLOSED
    ):
        ends = band_ends_on(group.band, born) if born is not None else None
        if ends != group.band_ends_on:
            InterventionGroup.objects.bypassing_guard("merge: a date derived from the birth date").filter(
                pk=group.pk
            ).update(band_ends_on=ends)
