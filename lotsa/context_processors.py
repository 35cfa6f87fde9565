from django.conf import settings


def lotsa(request):
    from cases.access import CASEWORK_ROLES
    from cases.views import CASE_PAGE_ROLES

    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        # Only social workers can hold emergency access: nobody else pays for the query.
        "open_emergency_accesses": _open_emergency_accesses(user)
        if authenticated and user.has_role(*CASEWORK_ROLES)
        else [],
        "works_with_cases_nav": authenticated and user.has_role(*CASE_PAGE_ROLES),
        "DEMO_MODE": settings.DEMO_MODE,
        "LANGUAGES": settings.LANGUAGES,
        "user_roles": user.role_codes() if user is not None and user.is_authenticated else frozenset(),
    }


def _open_emergency_accesses(user):
    """Marked on every page while an emergency access is open (and only then)."""
    from django.utils import timezone

    from consent.models import EmergencyAccess

    return list(
        EmergencyAccess.objects.filter(user=user, expires_at__gt=timezone.now()).only("expires_at", "case_id")
    )
