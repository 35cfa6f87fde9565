"""Who may read and change the defector programme's records (registered with lotsa.access).

The programme's records are its case's: read under the case's rules (its named handlers, and its
supervisor reading only). BOPS records its own assessments and reads them; what the programme
recorded reaches BOPS only through consent.policy, for the defector programme. A placement's address
is a protected address: its named handlers, and BOPS only while the consent covers housing — never
the supervisor's overview, never a list.
"""

from __future__ import annotations

from django.db.models import Exists, Q, QuerySet

from accounts.models import OrganisationKind
from accounts.roles import Role
from audit.models import Action
from cases import queries as case_queries
from cases.access import (
    READ_ACTIONS,
    THREAT_PICTURE_ON_GROUP_PAGE,
    CasePolicy,
    is_named_handler,
    threat_picture_crossing,
    threat_picture_visible,
)
from consent import policy
from defectors.models import BopsAssessment
from lotsa.access import Decision, Policy
from lotsa.vocabulary import InformationCategory, Purpose
from sig import queries as group_queries

PURPOSE = Purpose.DEFECTOR_PROGRAMME
# The access log's reasons for showing the defector programme's latest assessment on a group's page
# (audit.vocabulary has their words): the second says that it belongs to another unit's record of the
# person than the group's case.
PROGRAMME_ASSESSMENT = "the defector programme's latest threat assessment of the person"
PROGRAMME_ASSESSMENT_ELSEWHERE = (
    "the defector programme's latest threat assessment, from another unit's record of the person"
)


def is_bops(user) -> bool:
    organisation = user.organisation
    return (
        organisation is not None
        and organisation.kind == OrganisationKind.BOPS
        and user.has_role(Role.EXTERNAL_MEMBER)
    )


def _case_visible(user):
    return case_queries.case_policy_visible(user=user)


class ProgrammeRecordPolicy(Policy):
    """The gate's records, interventions and follow-ups: read under the case's rules; changed only
    through defectors.services, which decide the case's UPDATE."""

    def decide(self, user, action, record, purpose) -> Decision:
        if action not in READ_ACTIONS:
            return Decision.deny("the programme's records change through defectors.services")
        return CasePolicy().decide(user, Action.VIEW, record.case, purpose)

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        return queryset.filter(case__in=_case_visible(user))


class SupportDecisionPolicy(ProgrammeRecordPolicy):
    """A decision on support is read under the case's rules; the owning unit's supervisor approves or
    sends it back (DECIDE), never its author."""

    def decide(self, user, action, decision, purpose) -> Decision:
        if action != Action.DECIDE:
            return super().decide(user, action, decision, purpose)
        case = decision.case
        if user.organisation_id != case.owner_unit_id or not user.has_role(Role.SUPERVISOR):
            return Decision.deny("the owning unit's supervisor approves decisions")
        if decision.author_id == user.pk:
            return Decision.deny("nobody approves their own decision")
        return Decision.allow("supervisor of the owning unit, not the author")


class FollowUpPolicy(ProgrammeRecordPolicy):
    """A follow-up after closure is recorded (UPDATE) by the closed case's named handler."""

    def decide(self, user, action, follow_up, purpose) -> Decision:
        if action != Action.UPDATE:
            return super().decide(user, action, follow_up, purpose)
        if is_named_handler(user, follow_up.case):
            return Decision.allow("named handler of the case follows it up")
        return Decision.deny("the case's named handler records its follow-ups")


class BopsAssessmentPolicy(Policy):
    """BOPS records (CREATE) an assessment of a person whose consent for the defector programme names
    its organisation, and reads its own; the programme reads it under the case's rules while the
    consent lets threat and protection cross from BOPS."""

    def decide(self, user, action, assessment, purpose) -> Decision:
        if action == Action.CREATE:
            if not is_bops(user):
                return Decision.deny("BOPS assesses threat and protection for the programme")
            decision = policy.sharing_decision(
                person_id=assessment.person_id,
                category=None,
                recorded_by_id=None,
                viewer_org_id=user.organisation_id,
                purpose=PURPOSE,
            )
            if not decision.allowed:
                return Decision.deny("no consent for the defector programme names BOPS")
            return Decision.allow("BOPS, under the consent", ground=decision.ground)
        if action not in READ_ACTIONS:
            return Decision.deny("an assessment is never changed: BOPS records a new one")
        if purpose == THREAT_PICTURE_ON_GROUP_PAGE:
            return self._threat_picture(user, assessment)
        if user.organisation_id == assessment.organisation_id:
            return Decision.allow(policy.OWN)
        reading = CasePolicy().decide(user, Action.VIEW, assessment.case, purpose)
        if not reading.allowed:
            return reading
        return policy.sharing_decision(
            person_id=assessment.person_id,
            category=assessment.CATEGORY,
            recorded_by_id=assessment.organisation_id,
            viewer_org_id=user.organisation_id,
            purpose=PURPOSE,
        )

    def _threat_picture(self, user, assessment) -> Decision:
        """One person, one threat picture: BOPS's latest assessment of the person, on the page of an
        intervention group about the same person that the reader is a member of, while the consent for
        the defector programme lets threat and protection cross to the reader (cases.access)."""
        same_person = case_queries.records_of_same_person(person_id=assessment.person_id)
        memberships = group_queries.memberships_of(user).filter(group__case__person__in=same_person)
        latest = case_queries.latest_of_same_person(
            BopsAssessment._base_manager.all(), person_id=assessment.person_id
        )
        decision, same_record = threat_picture_crossing(
            user,
            assessment,
            latest=latest,
            standing_person_ids=memberships.values_list("group__case__person_id", flat=True),
            purpose=PURPOSE,
        )
        if not decision.allowed:
            return decision
        return Decision.allow(
            PROGRAMME_ASSESSMENT if same_record else PROGRAMME_ASSESSMENT_ELSEWHERE, ground=decision.ground
        )

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if purpose == THREAT_PICTURE_ON_GROUP_PAGE:
            memberships = group_queries.memberships_of(user).filter(
                **case_queries.same_person_as_outer("group__case__person")
            )
            return threat_picture_visible(
                user,
                queryset,
                latest=case_queries.is_latest_of_same_person(BopsAssessment),
                standing=Exists(memberships),
                purpose=PURPOSE,
            )
        if user.organisation_id is None or user.has_role(Role.ADMINISTRATOR, Role.COORDINATOR):
            return queryset.none()
        own = Q(organisation_id=user.organisation_id)
        crossing = Q(case__in=_case_visible(user)) & policy.shared_with(
            organisation_id=user.organisation_id,
            purpose=PURPOSE,
            person="person_id",
            category_value=InformationCategory.THREAT_PROTECTION,
            recorded_by="organisation_id",
        )
        return queryset.filter(own | crossing)


class PlacementPolicy(Policy):
    """A placement's address (VIEW): the case's named handlers; BOPS while the consent for the
    programme covers housing. Never listed (LIST, EXPORT: nobody), never the supervisor."""

    def decide(self, user, action, placement, purpose) -> Decision:
        if action != Action.VIEW:
            return Decision.deny("a protected address is shown one at a time, never listed or exported")
        case = placement.case
        if user.organisation_id == case.owner_unit_id:
            if is_named_handler(user, case):
                return Decision.allow("named handler of the case")
            return Decision.deny("a protected address is shown only to the case's named handlers")
        if not is_bops(user):
            return Decision.deny(policy.NO_GROUND)
        return policy.sharing_decision(
            person_id=placement.person_id,
            category=placement.CATEGORY,
            recorded_by_id=case.owner_unit_id,
            viewer_org_id=user.organisation_id,
            purpose=PURPOSE,
        )

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        return queryset.none()  # addresses are never listed
