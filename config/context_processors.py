from django.conf import settings

from accounts.roles import CASE_PAGE_ROLES
from config.navigation import section_urls


def lotsa(request):
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "works_with_cases_nav": authenticated and user.has_role(*CASE_PAGE_ROLES),
        "DEMO_MODE": settings.DEMO_MODE,
        "LANGUAGES": settings.LANGUAGES,
        "user_roles": user.role_codes() if authenticated else frozenset(),
        # The kind of the user's organisation: which programme pages the menu offers.
        "organisation_kind": user.organisation.kind if authenticated and user.organisation_id else "",
        # The menu links of the current page's section, best first (the menu marks the first it shows).
        "menu_sections": section_urls(request) if authenticated else (),
    }
