"""Who may use the coordinator's pages (registered with lotsa.access).

Any member of staff sends a de-identified report (administrators manage accounts only). A coordinator
reads the reports to their own administration; a coordinator in a city-wide social-services unit (the
central coordinator) reads every administration's. Nobody else reads them: they are the coordinator's
material, not casework.
"""

from __future__ import annotations

from accounts.models import Organisation, OrganisationKind
from accounts.roles import Role
from audit.models import Action
from lotsa.access import Decision, Policy

# The city-wide social-services units: a coordinator there is the central coordinator.
CENTRAL_KINDS = {
    OrganisationKind.VBE_TEAM,
    OrganisationKind.DEFECTOR_PROGRAMME,
    OrganisationKind.TREATMENT_UNIT,
}


def is_central_coordinator(user) -> bool:
    organisation = user.organisation
    return user.has_role(Role.COORDINATOR) and organisation is not None and organisation.kind in CENTRAL_KINDS


def administrations_of(user):
    """The district administrations whose aggregates a coordinator works with (empty for others)."""
    districts = Organisation.objects.filter(kind=OrganisationKind.DISTRICT_ADMINISTRATION)
    if not user.has_role(Role.COORDINATOR) or user.organisation_id is None:
        return districts.none()
    if is_central_coordinator(user):
        return districts.order_by("name")
    return districts.filter(pk=user.organisation_id)


class ReportPolicy(Policy):
    def decide(self, user, action, report, purpose) -> Decision:
        if action == Action.CREATE or (action == Action.VIEW and report.pk is None):
            # Sending one, or opening the blank form to send one.
            if user.organisation_id is None or user.has_role(Role.ADMINISTRATOR):
                return Decision.deny("administrators manage accounts only")
            return Decision.allow("staff member reporting concern, de-identified")
        if action not in (Action.VIEW, Action.LIST, Action.EXPORT):
            return Decision.deny("a report is never changed")
        if not user.has_role(Role.COORDINATOR):
            return Decision.deny("de-identified reports go to the coordinators only")
        if is_central_coordinator(user):
            return Decision.allow("central coordinator")
        if user.organisation_id == report.administration_id:
            return Decision.allow("coordinator of the administration")
        return Decision.deny("the report went to another administration's coordinator")

    def visible(self, user, queryset, purpose=""):
        if not user.has_role(Role.COORDINATOR):
            return queryset.none()
        return queryset.filter(administration__in=administrations_of(user))


class CoordinatorPolicy(Policy):
    """The coordinator's own material (the situation picture and the aggregates): the coordinators of
    the administration, and the central coordinator, read and write it; nobody else. A version is
    never changed (a new one is written)."""

    def decide(self, user, action, obj, purpose) -> Decision:
        if action not in (Action.VIEW, Action.LIST, Action.EXPORT, Action.CREATE):
            return Decision.deny("a version is never changed")
        if not user.has_role(Role.COORDINATOR):
            return Decision.deny("the coordinator's material")
        if administrations_of(user).filter(pk=obj.administration_id).exists():
            return Decision.allow("central coordinator" if is_central_coordinator(user) else "coordinator")
        return Decision.deny("another administration's coordinator")

    def visible(self, user, queryset, purpose=""):
        return queryset.filter(administration__in=administrations_of(user))
