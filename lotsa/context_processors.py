from django.conf import settings


def lotsa(request):
    user = getattr(request, "user", None)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "LANGUAGES": settings.LANGUAGES,
        "user_roles": user.role_codes() if user is not None and user.is_authenticated else frozenset(),
    }
