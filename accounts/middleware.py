"""Session policy: a verified second factor, an idle timeout and an absolute lifetime."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import installation, saml
from accounts.services import SESSION_AUTH_AT, SESSION_LAST_SEEN
from audit import services as audit
from audit.models import AccessOutcome, Action

# Paths anyone may reach. Everything else needs a session with a verified second factor, so a page
# added later is protected even if its view forgets to say so.
PUBLIC_PREFIXES = ("/static/", "/i18n/", "/favicon.ico")
PUBLIC_URL_NAMES = (
    "accounts:login",
    "accounts:second_factor",
    "accounts:enrol",
    "accounts:activate",
    # The passkey ceremonies answer for themselves, as JSON, with a denial event (accounts/passkeys.py):
    # the login's steps need a pending login, adding one a fresh verified session.
    "accounts:passkey_login_begin",
    "accounts:passkey_login_complete",
    "accounts:passkey_add_begin",
    "accounts:passkey_add_complete",
    "accounts:passkey_jsi18n",
    "accounts:oidc_login",
    "accounts:oidc_callback",
    "accounts:saml_login",
    "accounts:saml_acs",
    "accounts:saml_metadata",
    "accounts:saml_slo",
    "health",
)


# "Last seen" is written at most this often (seconds), not on every request: one session write a
# minute instead of one per page. The idle timeout can therefore end a session up to this much
# early, never late.
LAST_SEEN_RESOLUTION = 60


def _public_paths() -> tuple[str, ...]:
    return tuple(reverse(name) for name in PUBLIC_URL_NAMES)


def _resolve(path: str):
    try:
        return resolve(path)
    except Resolver404:
        return None


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = timezone.now().timestamp()
            auth_at = request.session.get(SESSION_AUTH_AT, 0)
            last_seen = request.session.get(SESSION_LAST_SEEN, 0)
            reason = None
            organisation = user.organisation
            if organisation is None or not organisation.is_active:
                reason = "organisation deactivated"
            elif now - last_seen > settings.LOTSA_IDLE_TIMEOUT.total_seconds():
                reason = "idle timeout"
            elif now - auth_at > settings.LOTSA_SESSION_LIFETIME.total_seconds():
                reason = "session lifetime reached"
            if reason:
                request.lotsa_logout_reason = reason
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
                return redirect(settings.LOGIN_URL)
            if now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._public = None
        self._confined_paths = None

    def __call__(self, request):
        if self._public is None:
            self._public = _public_paths()
        path = request.path
        if path.startswith(PUBLIC_PREFIXES) or path in self._public:
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and not user.is_verified():
            # A session without a verified second factor is not a login.
            request.lotsa_logout_reason = "second factor missing"
            logout(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        if installation.confined(request.user, getattr(request.user, "otp_device", None)):
            return self._confined(request)
        return self.get_response(request)

    def _confined(self, request):
        """A session its installer may have held alone (a login set by the installation's code, or
        through an identity link such a login approved that the provider has not confirmed) reaches the
        account requests it approves and nothing else (invariant 5): the start page leads there; any
        other page is refused, recorded, before its view runs, and the page says why."""
        if self._confined_paths is None:
            self._confined_paths = tuple(reverse(name) for name in installation.CONFINED_PAGE_NAMES)
        match = _resolve(request.path_info)
        if match is not None and match.view_name in installation.CONFINED_URL_NAMES:
            return self.get_response(request)
        told = installation.confined_message(getattr(request.user, "otp_device", None))
        if request.path in self._confined_paths:
            messages.info(request, told)
            return redirect(installation.confined_home())
        audit.record(
            action=Action.VIEW,
            outcome=AccessOutcome.DENIED,
            actor=request.user,
            reason=installation.CONFINED_REASON,
        )
        return render(request, "403.html", {"reason": told}, status=403)


class SingleLogoutFormActionMiddleware:
    """A session made through SAML logs out through the provider's single logout service: the logout
    form's redirect leads there, which the page's form-action must allow (browsers check a form's
    redirects against it). Listed after django-csp's middleware, so that its update is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.get(saml.SESSION_LOGOUT):
            origin = saml.slo_origin(request)
            if origin:
                update = dict(getattr(response, "_csp_update", None) or {})
                update["form-action"] = [*update.get("form-action", []), origin]
                response._csp_update = update
        return response
