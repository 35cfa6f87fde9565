from accounts.roles import CASEWORK_ROLES
from consent import policy


def emergency_banner(request):
    """Marked on every page while an emergency access of the user is open (and only then). Only
    social workers can hold one: nobody else pays for the query, and a page that decides on a case
    shares its one read with the decision (consent.policy)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_role(*CASEWORK_ROLES):
        return {"open_emergency_accesses": []}
    return {"open_emergency_accesses": policy.emergency_accesses_open_of(user)}
