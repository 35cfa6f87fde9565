from django.conf import settings

from config.navigation import section_urls
from lotsa.menu import MENU, links_for


def lotsa(request):
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        # What the menu offers: only the pages that open for the user (lotsa.menu).
        "menu": links_for(user, MENU) if authenticated else [],
        "DEMO_MODE": settings.DEMO_MODE,
        "LANGUAGES": settings.LANGUAGES,
        "user_roles": user.role_codes() if authenticated else frozenset(),
        # The kind of the user's organisation: which programme pages a page offers.
        "organisation_kind": user.organisation.kind if authenticated and user.organisation_id else "",
        # The menu links of the current page's section, best first (the menu marks the first it shows).
        "menu_sections": section_urls(request) if authenticated else (),
    }
