"""Who may use the supervisor's desk (registered with lotsa.access).

A person's access log, and the reviews of the unit's log, are for the supervisors of the unit that
keeps the record. A needs-and-risk analysis is written by a supervisor or an administrator of the
organisation (administrators give the roles it is about) and approved by a supervisor who did not
write it. Nobody else reaches any of it; coordinators and administrators never see a person's log.
"""

from __future__ import annotations

from django.db.models import Q

from accounts.roles import Role
from audit.models import Action
from cases.access import handles_a_case_of
from lotsa.access import Decision, Policy
from supervision.models import BreakGlassReview, LogReview

ACCESS_REVIEW = "access review"
SUPERVISOR_OF_THE_UNIT = "supervisor of the unit that keeps the record"


def _supervisor_of(user, organisation_id) -> bool:
    return user.has_role(Role.SUPERVISOR) and user.organisation_id == organisation_id


class PersonAccessLogPolicy(Policy):
    def decide(self, user, action, log, purpose) -> Decision:
        if action not in (Action.VIEW, Action.EXPORT):
            return Decision.deny("the access log is read, never changed")
        if user.has_role(Role.ADMINISTRATOR, Role.COORDINATOR) and not user.has_role(Role.SUPERVISOR):
            return Decision.deny("only a supervisor of the unit reviews access")
        if not _supervisor_of(user, log.organisation_id):
            return Decision.deny("only a supervisor of the unit that keeps the record reviews access to it")
        return Decision.allow(SUPERVISOR_OF_THE_UNIT, ground=ACCESS_REVIEW)

    def visible(self, user, queryset, purpose=""):
        if not user.has_role(Role.SUPERVISOR) or user.organisation_id is None:
            return queryset.none()
        return queryset.filter(organisation_id=user.organisation_id)


class LogReviewPolicy(Policy):
    """Reviews and the plan: VIEW, CREATE (draw), UPDATE (mark, plan), DECIDE (sign off)."""

    def decide(self, user, action, review, purpose) -> Decision:
        if not _supervisor_of(user, review.organisation_id):
            return Decision.deny("only a supervisor of the unit reviews its access log")
        if action in (Action.UPDATE, Action.DECIDE) and getattr(review, "is_signed_off", False):
            return Decision.deny("the review is signed off and cannot change")
        if action in (Action.VIEW, Action.LIST, Action.CREATE, Action.UPDATE, Action.DECIDE):
            return Decision.allow("supervisor of the unit")
        return Decision.deny("no rule allows this")

    def visible(self, user, queryset, purpose=""):
        if not user.has_role(Role.SUPERVISOR) or user.organisation_id is None:
            return queryset.none()
        return queryset.filter(organisation_id=user.organisation_id)


class LogReviewItemPolicy(Policy):
    """A sampled event of a review and its note: the review's rule, for the review it belongs to."""

    def decide(self, user, action, item, purpose) -> Decision:
        return LogReviewPolicy().decide(user, action, item.review, purpose)

    def visible(self, user, queryset, purpose=""):
        reviews = LogReviewPolicy().visible(user, LogReview.objects.all(), purpose)
        return queryset.filter(review__in=reviews)


class AnalysisPolicy(Policy):
    """VIEW and CREATE (a new version): the organisation's supervisors, and administrators (who give
    the roles, in every organisation); DECIDE
    (approve): a supervisor of the organisation who did not write it."""

    def decide(self, user, action, analysis, purpose) -> Decision:
        own = _supervisor_of(user, analysis.organisation_id)
        if not own and not user.has_role(Role.ADMINISTRATOR):
            return Decision.deny(
                "only the organisation's supervisors and the administrators keep its analyses"
            )
        if action in (Action.VIEW, Action.LIST, Action.CREATE):
            return Decision.allow(
                "supervisor of the organisation" if own else "administrator (gives the roles)"
            )
        if action == Action.DECIDE:
            if analysis.is_approved:
                return Decision.deny("this version is approved already")
            if analysis.written_by_id == user.pk:
                return Decision.deny("no one approves what they wrote")
            if not own:
                return Decision.deny("a supervisor of the organisation approves the analysis")
            return Decision.allow("supervisor of the organisation, not the author")
        return Decision.deny("an analysis is never edited: write a new version")

    def visible(self, user, queryset, purpose=""):
        if user.has_role(Role.ADMINISTRATOR):
            return queryset
        if not user.has_role(Role.SUPERVISOR) or user.organisation_id is None:
            return queryset.none()
        return queryset.filter(organisation_id=user.organisation_id)


# Reading the whole extract before it is approved is part of approving it: only the supervisor who may
# decide it previews it, and only while it waits (its author handles one case of the person, and the
# extract holds every record the unit keeps of them).
PREVIEW = "preview a subject access extract"


class SubjectAccessPolicy(Policy):
    """A subject access extract: CREATE by a named handler of one of the unit's cases of the person;
    VIEW by its author or the unit's supervisor, but the preview of its whole content (purpose
    PREVIEW) only as DECIDE allows; DECIDE by the unit's supervisor who did not prepare it, while it
    is pending; EXPORT (the PDF) once approved, by its author or the unit's supervisor."""

    def decide(self, user, action, extract, purpose) -> Decision:
        if user.has_role(Role.ADMINISTRATOR, Role.COORDINATOR) and not user.has_role(Role.SUPERVISOR):
            return Decision.deny("administrators and coordinators never read a person's data")
        if user.organisation_id != extract.organisation_id:
            return Decision.deny("extracts are made by the unit that keeps the record")
        author = extract.prepared_by_id == user.pk
        supervisor = _supervisor_of(user, extract.organisation_id)
        if action == Action.CREATE:
            if handles_a_case_of(user, extract.person):
                return Decision.allow("handler of a case of the person")
            return Decision.deny("only a handler of the person's case prepares an extract")
        if action == Action.DECIDE or (action == Action.VIEW and purpose == PREVIEW):
            if extract.status != "pending":
                return Decision.deny("the extract has been decided already")
            if author:
                return Decision.deny("no one approves what they prepared")
            if supervisor:
                return Decision.allow("supervisor of the unit, not the author")
            return Decision.deny("the unit's supervisor approves an extract")
        if action in (Action.VIEW, Action.LIST):
            if author or supervisor:
                return Decision.allow("author of the extract" if author else SUPERVISOR_OF_THE_UNIT)
            return Decision.deny("only its author and the unit's supervisor see an extract")
        if action == Action.EXPORT:
            if extract.status != "approved":
                return Decision.deny("an extract is given out only once approved")
            if author or supervisor:
                return Decision.allow("approved extract", ground="GDPR Art. 15")
            return Decision.deny("only its author and the unit's supervisor give out an extract")
        return Decision.deny("no rule allows this")

    def visible(self, user, queryset, purpose=""):
        if user.organisation_id is None or (
            user.has_role(Role.ADMINISTRATOR, Role.COORDINATOR) and not user.has_role(Role.SUPERVISOR)
        ):
            return queryset.none()
        own = queryset.filter(organisation_id=user.organisation_id)
        if user.has_role(Role.SUPERVISOR):
            return own
        return own.filter(Q(prepared_by_id=user.pk))


class BreakGlassLoginPolicy(Policy):
    """VIEW and LIST (the queue), DECIDE (mark reviewed, once)."""

    def decide(self, user, action, login, purpose) -> Decision:
        if action not in (Action.VIEW, Action.LIST, Action.DECIDE):
            return Decision.deny("no rule allows this")
        if login.actor_id is not None and login.actor_id == user.pk:
            return Decision.deny("no one reviews their own break-glass login")
        if _supervisor_of(user, login.actor_organisation_id):
            decision = Decision.allow("supervisor of the account's organisation", ground=ACCESS_REVIEW)
        elif user.has_role(Role.ACCESS_APPROVER):
            decision = Decision.allow("access approver of the administration", ground=ACCESS_REVIEW)
        else:
            return Decision.deny(
                "only the account's supervisor or an access approver reviews a break-glass login"
            )
        if action == Action.DECIDE and BreakGlassReview.objects.filter(login_id=login.pk).exists():
            return Decision.deny("this break-glass login is reviewed already")
        return decision

    def visible(self, user, queryset, purpose=""):
        if user.has_role(Role.ACCESS_APPROVER):
            return queryset.exclude(actor_id=user.pk)
        if not user.has_role(Role.SUPERVISOR) or user.organisation_id is None:
            return queryset.none()
        return queryset.filter(actor_organisation_id=user.organisation_id).exclude(actor_id=user.pk)
