"""What the menu, the start page and the supervisor's desk offer a user: only what opens for them.

A link that answers "Access denied … the attempt has been logged" teaches a user that Lotsa refuses,
and repeated denials are one of the log review's risk rules. So every link names the rule its page
enters by, and is offered only to those the rule lets in:

* ``roles``: the named role set the page requires (``accounts.roles``; the page asks
  ``lotsa.access.require_role`` with the same set), asked here unrecorded with
  ``lotsa.access.holds_role``;
* ``asks``: for a page decided by a policy on a blank object (a form that prepares an act), the
  action and the blank's model (by its label: the kernel imports no domain app), asked here
  unrecorded with ``lotsa.access.decide``.

There is no second copy of an access rule here. ``offered_to`` and ``kinds`` only narrow whom a page
is offered to (a page meant for BOPS, for a supervisor's desk), never widen it. One link serves the
menu, the start page and the desk alike, so a page has one name wherever it is offered. It lives in
the kernel because the shell (the menu, the start page) and the supervisor's desk both offer from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind
from accounts.roles import (
    ACCOUNT_REQUEST_ROLES,
    ADMINISTRATOR_ROLES,
    ANALYSIS_ROLES,
    BOPS_PAGE_ROLES,
    BREAK_GLASS_REVIEW_ROLES,
    CALENDAR_PAGE_ROLES,
    CASE_PAGE_ROLES,
    CASEWORK_ROLES,
    COORDINATOR_ROLES,
    FIRST_CONTACT_ROLES,
    GROUP_PAGE_ROLES,
    HANDOVER_PAGE_ROLES,
    PROGRAMME_PAGE_ROLES,
    SHARED_PAGE_ROLES,
    SUPERVISOR_ROLES,
    Role,
)
from audit.models import Action
from lotsa import access

MENU, START, DESK = "menu", "start", "desk"


@dataclass(frozen=True)
class Link:
    url: str  # the URL's name
    label: str | Promise
    roles: tuple = ()  # the role set the page requires
    asks: tuple[str, str] | None = None  # or: the action the page decides on a blank of a model
    places: frozenset = frozenset({START})
    offered_to: tuple = ()  # narrows: only these roles are offered it
    kinds: frozenset = frozenset()  # narrows: only users of these kinds of organisation

    def opens_for(self, user) -> bool:
        """What the page itself would answer (unrecorded)."""
        if self.asks is not None:
            action, model = self.asks
            return access.decide(user, action, apps.get_model(model)()).allowed
        return access.holds_role(user, *self.roles)

    def offered(self, user) -> bool:
        if self.offered_to and not user.has_role(*self.offered_to):
            return False
        if self.kinds and (user.organisation is None or user.organisation.kind not in self.kinds):
            return False
        return self.opens_for(user)

    @property
    def href(self) -> str:
        return reverse(self.url)


BOTH = frozenset({MENU, START})
EVERYWHERE = frozenset({MENU, START, DESK})
SUPERVISING = frozenset({START, DESK})
POLICE_AND_BOPS = frozenset({OrganisationKind.POLICE, OrganisationKind.BOPS})

# In the order they are offered.
LINKS = (
    # Casework: the handlers' and the supervisors' own lists first.
    Link("cases:my_cases", _("My cases"), roles=CASE_PAGE_ROLES, places=BOTH),
    Link("cases:search", _("Find a person"), roles=CASE_PAGE_ROLES, places=BOTH),
    Link("cases:open", _("Open a case"), roles=CASEWORK_ROLES),
    Link("cases:first_contacts", _("First contacts"), roles=FIRST_CONTACT_ROLES, places=BOTH),
    Link("cases:first_contact_open", _("New first contact"), roles=FIRST_CONTACT_ROLES),
    Link("sig:overview", _("Intervention groups"), roles=GROUP_PAGE_ROLES, places=BOTH),
    # The user's own meetings, follow-ups and re-assessments, by date.
    Link("calendar", _("Calendar"), roles=CALENDAR_PAGE_ROLES, places=BOTH),
    Link(
        "cases:handovers", _("Hand-overs"), roles=HANDOVER_PAGE_ROLES, places=BOTH, offered_to=CASE_PAGE_ROLES
    ),
    Link(
        "defectors:overview",
        _("Defector programme"),
        roles=PROGRAMME_PAGE_ROLES,
        places=BOTH,
        kinds=frozenset({OrganisationKind.DEFECTOR_PROGRAMME}),
    ),
    Link("consent:expiring", _("Consents about to expire"), roles=CASEWORK_ROLES),
    Link("cases:concern_reports", _("Reports of concern"), roles=CASE_PAGE_ROLES),
    Link("cases:assignment_requests", _("Requests to be assigned"), roles=CASE_PAGE_ROLES),
    # What other organisations share: the external members' own page, and the handlers' (a relative's
    # handler is sent there by the relative's page).
    Link("consent:shared", _("Shared with us"), roles=SHARED_PAGE_ROLES, places=BOTH),
    # The police and BOPS: their requests to the defector programme, and BOPS's programme page.
    Link(
        "cases:handovers",
        _("Requests to the defector programme"),
        roles=HANDOVER_PAGE_ROLES,
        places=BOTH,
        offered_to=(Role.EXTERNAL_MEMBER,),
        kinds=POLICE_AND_BOPS,
    ),
    Link(
        "defectors:bops",
        _("Defector programme"),
        roles=BOPS_PAGE_ROLES,
        places=BOTH,
        kinds=frozenset({OrganisationKind.BOPS}),
    ),
    # The supervisor: the desk gathers what the start page offers a supervisor.
    Link("supervision:desk", _("The supervisor's desk"), roles=SUPERVISOR_ROLES, places=BOTH),
    Link("supervision:reviews", _("Reviews of the access log"), roles=SUPERVISOR_ROLES, places=SUPERVISING),
    Link("consent:review_queue", _("Review queue"), roles=SUPERVISOR_ROLES, places=EVERYWHERE),
    Link("retention:lists", _("Destruction lists"), roles=SUPERVISOR_ROLES, places=SUPERVISING),
    Link(
        "supervision:subject_accesses",
        _("Subject access extracts"),
        roles=CASE_PAGE_ROLES,
        places=SUPERVISING,
        offered_to=SUPERVISOR_ROLES,
    ),
    Link("accounts:requests", _("Account requests"), roles=ACCOUNT_REQUEST_ROLES, places=EVERYWHERE),
    Link(
        "supervision:break_glass", _("Break-glass logins"), roles=BREAK_GLASS_REVIEW_ROLES, places=SUPERVISING
    ),
    Link(
        "supervision:analyses",
        _("Needs-and-risk analyses"),
        roles=ANALYSIS_ROLES,
        places=SUPERVISING,
        offered_to=SUPERVISOR_ROLES,
    ),
    # The administrators.
    Link("accounts:user_list", _("Users"), roles=ADMINISTRATOR_ROLES, places=BOTH),
    Link("accounts:organisation_list", _("Organisations"), roles=ADMINISTRATOR_ROLES, places=BOTH),
    # Failed scheduled jobs and undelivered notifications: counts and usernames, never content.
    Link("notifications:failures", _("Scheduled work and deliveries"), roles=ADMINISTRATOR_ROLES),
    Link(
        "supervision:analyses",
        _("Needs-and-risk analyses"),
        roles=ANALYSIS_ROLES,
        places=BOTH,
        offered_to=ADMINISTRATOR_ROLES,
    ),
    # The coordinators.
    Link("coordination:overview", _("The area in numbers"), roles=COORDINATOR_ROLES, places=BOTH),
    Link("coordination:indicators", _("Indicators of effect"), roles=COORDINATOR_ROLES),
    Link("coordination:reports", _("De-identified reports"), roles=COORDINATOR_ROLES, places=BOTH),
    # Anyone on the staff but an administrator.
    Link(
        "coordination:report_new",
        _("Report a concern, de-identified"),
        asks=(Action.VIEW, "coordination.DeidentifiedReport"),
    ),
)


def links_for(user, place: str) -> list[Link]:
    """The links offered to ``user`` in ``place`` (menu, start, desk), each page once."""
    if user is None or not user.is_authenticated:
        return []
    offered, seen = [], set()
    for link in LINKS:
        if place in link.places and link.url not in seen and link.offered(user):
            offered.append(link)
            seen.add(link.url)
    return offered
