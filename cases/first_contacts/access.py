"""Who may do what with a report of concern (registered with lotsa.access by cases/apps.py). A first
contact and its meetings are records of their case, under cases.access.CaseRecordPolicy."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.roles import CASEWORK_ROLES, Role
from audit.models import Action
from cases.access import READ_ACTIONS, CasePolicy, _separation_of_duties
from cases.models import Case
from lotsa.access import Decision, Policy


class ConcernReportPolicy(Policy):
    """A report of concern for a child crosses under the duty to report (never a consent): the receiving
    district's social workers and supervisor read it and assess it (DECIDE); the sending case's handlers
    read what they sent and its status. CREATE is the sending case's change (its UPDATE rule)."""

    def decide(self, user, action, report, purpose) -> Decision:
        if denial := _separation_of_duties(user):
            return denial
        if action == Action.CREATE:
            return CasePolicy().decide(user, Action.UPDATE, report.from_case, purpose)
        receiving = user.organisation_id == report.to_unit_id and user.has_role(
            *CASEWORK_ROLES, Role.SUPERVISOR
        )
        if action == Action.DECIDE:
            if receiving:
                return Decision.allow("the responsible district assesses the report")
            return Decision.deny("the responsible district assesses the report")
        if action not in READ_ACTIONS:
            return Decision.deny("reports of concern change through cases.first_contacts.services")
        if receiving:
            return Decision.allow("sent to the district under the duty to report", ground="OSL 10 kap. 28 §")
        sending = CasePolicy().decide(user, Action.VIEW, report.from_case, purpose)
        if sending.allowed:
            return Decision.allow("the sending side")
        return Decision.deny("neither the sending side nor the responsible district")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if _separation_of_duties(user) or user.organisation_id is None:
            return queryset.none()
        sent = Q(from_case__in=CasePolicy().visible(user, Case.objects.all()))
        if user.has_role(*CASEWORK_ROLES, Role.SUPERVISOR):
            return queryset.filter(Q(to_unit_id=user.organisation_id) | sent)
        return queryset.filter(sent)
