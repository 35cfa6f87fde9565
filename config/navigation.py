"""Where a page sits in the menu: the section whose menu link is marked ``aria-current="page"``.

Each page (by its URL name, or every page of an app by ``"<app>:*"``) names the menu links of its
section, best first: the first of them that the user's menu shows is marked (``{% menu %}`` in
lotsa/templatetags/menu.py). The menu itself decides which links a user sees; this table never
repeats that rule, so a link the user does not see is simply passed over (an administrator's needs-
and-risk analyses are their own menu item, a supervisor's sit under the desk).

A page named nowhere here (the start page) marks no link.
"""

from __future__ import annotations

from django.urls import reverse

SECTIONS: dict[str, tuple[str, ...]] = {
    # A case and everything done from it: the user's cases.
    "cases:*": ("cases:my_cases",),
    "cases:search": ("cases:search",),
    "cases:open": ("cases:search",),
    # The VBE team's first contacts: the list, and each first contact's page (its case is in my cases).
    "cases:first_contacts": ("cases:first_contacts",),
    "cases:first_contact_open": ("cases:first_contacts",),
    "cases:first_contact": ("cases:first_contacts", "cases:my_cases"),
    "cases:handovers": ("cases:handovers",),
    "cases:handover": ("cases:handovers",),
    "cases:handover_accept": ("cases:handovers",),
    "cases:handover_decline": ("cases:handovers",),
    "cases:handover_withdraw": ("cases:handovers",),
    "cases:handover_requests": ("cases:handovers",),
    "cases:handover_request": ("cases:handovers",),
    "cases:handover_request_new": ("cases:search",),
    "cases:handover_request_decline": ("cases:handovers",),
    "cases:assignment_requests": ("supervision:desk", "cases:my_cases"),
    "cases:assignment_decide": ("supervision:desk", "cases:my_cases"),
    "consent:*": ("cases:my_cases",),
    "consent:shared": ("consent:shared",),
    "consent:shared_person": ("consent:shared",),
    "consent:review_queue": ("consent:review_queue", "supervision:desk"),
    "consent:review": ("consent:review_queue", "supervision:desk"),
    "relatives:*": ("cases:my_cases",),
    "sig:*": ("sig:overview",),
    "defectors:*": ("defectors:overview",),
    "defectors:bops": ("defectors:bops",),
    "defectors:bops_person": ("defectors:bops",),
    # The police's requests to the programme are listed with the hand-overs.
    "defectors:police_request": ("cases:handovers",),
    "supervision:*": ("supervision:desk",),
    "retention:*": ("supervision:desk",),
    "supervision:analyses": ("supervision:analyses", "supervision:desk"),
    "supervision:analysis_write": ("supervision:analyses", "supervision:desk"),
    "supervision:analysis": ("supervision:analyses", "supervision:desk"),
    "supervision:analysis_approve": ("supervision:analyses", "supervision:desk"),
    # A subject access extract: the supervisor's desk, or the case it was asked for from.
    "supervision:subject_accesses": ("supervision:desk", "cases:my_cases"),
    "supervision:subject_access_new": ("supervision:desk", "cases:my_cases"),
    "supervision:subject_access": ("supervision:desk", "cases:my_cases"),
    "calendar": ("calendar",),
    "coordination:*": ("coordination:overview",),
    "coordination:report_new": ("coordination:reports",),
    "coordination:reports": ("coordination:reports",),
    "coordination:report": ("coordination:reports",),
    "accounts:user_list": ("accounts:user_list",),
    "accounts:user_create": ("accounts:user_list",),
    "accounts:user_edit": ("accounts:user_list",),
    "accounts:user_reset_credentials": ("accounts:user_list",),
    "accounts:user_reset_credentials_confirm": ("accounts:user_list",),
    "accounts:user_unlock": ("accounts:user_list",),
    "accounts:organisation_list": ("accounts:organisation_list",),
    "accounts:organisation_create": ("accounts:organisation_list",),
    "accounts:organisation_edit": ("accounts:organisation_list",),
    "accounts:requests": ("accounts:requests",),
    "accounts:request_decide": ("accounts:requests",),
    "accounts:identity_link_create": ("accounts:user_list",),
    "accounts:identity_link_remove": ("accounts:user_list",),
    "notifications:failures": ("notifications:failures",),
}


def sections_of(view_name: str) -> tuple[str, ...]:
    """The menu links (URL names) of the section a page belongs to, best first."""
    if view_name in SECTIONS:
        return SECTIONS[view_name]
    return SECTIONS.get(view_name.split(":", 1)[0] + ":*", ())


def section_urls(request) -> tuple[str, ...]:
    """The addresses of those menu links, for the page ``request`` is showing."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.view_name:
        return ()
    return tuple(reverse(name) for name in sections_of(match.view_name))
