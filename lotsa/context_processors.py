from django.conf import settings


def lotsa(request):
    from cases.views import CASE_PAGE_ROLES

    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "works_with_cases_nav": authenticated and user.has_role(*CASE_PAGE_ROLES),
        "DEMO_MODE": settings.DEMO_MODE,
        "LANGUAGES": settings.LANGUAGES,
        "user_roles": user.role_codes() if user is not None and user.is_authenticated else frozenset(),
    }
