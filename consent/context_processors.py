from django.utils import timezone

from accounts.roles import CASEWORK_ROLES
from consent.models import EmergencyAccess


def emergency_banner(request):
    """Marked on every page while an emergency access of the user is open (and only then). Only
    social workers can hold one: nobody else pays for the query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_role(*CASEWORK_ROLES):
        return {"open_emergency_accesses": []}
    return {
        "open_emergency_accesses": list(
            EmergencyAccess.objects.filter(user=user, expires_at__gt=timezone.now()).only(
                "expires_at", "case_id"
            )
        )
    }
