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

# The pages decided by role alone, each by its named set: the page requires it (lotsa.access.require_role)
# and the menu and the start page offer the page by the same set (lotsa/menu.py), never by a copy.
# Hand-overs: the units' handlers and supervisors, and the police and BOPS, who ask the defector
# programme to take a person on and see its answer there.
HANDOVER_PAGE_ROLES = (*CASE_PAGE_ROLES, Role.EXTERNAL_MEMBER)
# What people have agreed to share with the user's organisation (a relative's handler looks there too).
SHARED_PAGE_ROLES = (Role.EXTERNAL_MEMBER, *CASEWORK_ROLES)
# The intervention groups' overview: the handlers, the supervisors and the groups' external members.
GROUP_PAGE_ROLES = (*CASE_PAGE_ROLES, Role.EXTERNAL_MEMBER)
# The user's calendar of their own meetings, follow-ups and re-assessments: whoever handles cases or
# takes part in intervention groups (the police and BOPS re-assess threats).
CALENDAR_PAGE_ROLES = (*CASE_PAGE_ROLES, Role.EXTERNAL_MEMBER)
# The defector programme's overview: its handlers and its supervisor.
PROGRAMME_PAGE_ROLES = (Role.DEFECTOR_PROGRAMME, Role.SUPERVISOR)
# BOPS's list of the people in the programme whose consent names BOPS (an external member's page).
BOPS_PAGE_ROLES = (Role.EXTERNAL_MEMBER,)
# Opening a VBE-team first contact.
FIRST_CONTACT_ROLES = (Role.VBE_TEAM,)
# The supervisor's own pages: the desk, the review queue, the reviews of the access log.
SUPERVISOR_ROLES = (Role.SUPERVISOR,)
# Who reviews a break-glass login (issue 31): a supervisor of the account's organisation, or an access
# approver of the social-services administration (an administrator's login, a supervisor's own).
BREAK_GLASS_REVIEW_ROLES = (Role.SUPERVISOR, Role.ACCESS_APPROVER)
# Account requests: the approvers decide them, the administrators follow them.
ACCOUNT_REQUEST_ROLES = (Role.SUPERVISOR, Role.ACCESS_APPROVER, Role.ADMINISTRATOR)
# Needs-and-risk analyses: the supervisors write and approve them, the administrators follow them.
ANALYSIS_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
# Account and organisation management.
ADMINISTRATOR_ROLES = (Role.ADMINISTRATOR,)
# The coordinator's de-identified aggregates and reports.
COORDINATOR_ROLES = (Role.COORDINATOR,)
