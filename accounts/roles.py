"""The roles and the sets of roles every app speaks of: one place, below every domain app.

A user holds one or more roles; the roles decide which kinds of pages a user reaches, and what they
may see of a case is then decided by ``lotsa.access`` and the policies registered with it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("Social worker")
    VBE_TEAM = "vbe_team", _("VBE team")
    DEFECTOR_PROGRAMME = "defector_programme", _("Defector programme")
    TREATMENT_UNIT = "treatment_unit", _("Treatment unit")
    EXTERNAL_MEMBER = "external_member", _("External group member")
    SUPERVISOR = "supervisor", _("Supervisor")
    COORDINATOR = "coordinator", _("Coordinator")
    ADMINISTRATOR = "administrator", _("Administrator")
    ACCESS_APPROVER = "access_approver", _("Access approver")


# Roles that work with cases and their content.
CASE_ROLES = frozenset(
    {Role.SOCIAL_WORKER, Role.VBE_TEAM, Role.DEFECTOR_PROGRAMME, Role.TREATMENT_UNIT, Role.EXTERNAL_MEMBER}
)
# Roles that handle cases in a social-services unit (the case's named handlers are among them).
CASEWORK_ROLES = (Role.SOCIAL_WORKER, Role.VBE_TEAM, Role.DEFECTOR_PROGRAMME, Role.TREATMENT_UNIT)
# Roles that reach the case pages: the handlers, and their unit's supervisor (reading only).
CASE_PAGE_ROLES = (*CASEWORK_ROLES, Role.SUPERVISOR)
# Roles that only social-services organisations can hold.
SOCIAL_SERVICES_ROLES = frozenset(
    {Role.SOCIAL_WORKER, Role.VBE_TEAM, Role.DEFECTOR_PROGRAMME, Role.TREATMENT_UNIT, Role.SUPERVISOR}
)
# Roles that read personal data. Granting one, or moving an account that holds one to another
# organisation, or resetting the login of such an account, takes effect only when a second person
# approves it (invariant 5): an administrator alone can never reach case data.
PERSONAL_DATA_ROLES = CASE_ROLES | {Role.SUPERVISOR}
# Roles that decide who else reaches personal data: the unit's supervisor approves its staff's
# access, the social-services administration's access approver approves what no unit's supervisor may
# (supervisors, external members, organisations, a unit without a supervisor).
APPROVER_ROLES = frozenset({Role.SUPERVISOR, Role.ACCESS_APPROVER})
# Roles whose grant waits for a second person, whose login is re-issued as a two-part code when they
# are granted, and whose removal (or the account's disabling) is itself a request: an account's login
# that one person ever held alone never reaches personal data, nor the power to approve access to it.
GUARDED_ROLES = PERSONAL_DATA_ROLES | APPROVER_ROLES
