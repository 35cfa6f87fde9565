"""Passkeys (WebAuthn) as a second factor beside the authenticator app, with django-otp-webauthn.

A passkey is a django-otp device (``WebAuthnCredential``), as the authenticator app is (``TOTPDevice``):
the session's verified second factor, the idle timeout and the administrator's reset treat both alike.

* **Adding one**: from the person's own page (accounts:passkeys), in a session verified by a second
  factor less than ``FRESH_LOGIN_SECONDS`` ago, never from a login that only has its password. The
  library's registration ceremony, with this module's refusals and events (``passkey registered``).
* **Logging in**: after the password (``accounts.pending``) the second-factor page offers the person's
  passkeys beside the code; the ceremony ends the pending login and starts the session exactly as the
  code does (``user_complete_login``, recorded as "password and passkey"). Never a passkey alone: the
  library's passwordless login is off, and its own URLs are not mounted.
* **Removing one**: the person's own, and never their last second factor (``OwnPasskeyPolicy``).

Every refusal of a ceremony step (no verified or no pending login, a wrong or used challenge, an unknown
passkey, another person's, a response that does not verify, a malformed body) is a denial event and a
JSON answer the page's script shows; never a 500.

The ceremony's options come from ``LotsaWebAuthnHelper``: the relying party is ``LOTSA_PASSKEY_RP_ID``
(else the host the request came to, ``relying_party_id``) and the accepted origins are
``OTP_WEBAUTHN_ALLOWED_ORIGINS`` (``LOTSA_PASSKEY_ORIGINS``) and the request's own origin, whose host
Django has already checked against ``ALLOWED_HOSTS``: a page of another origin (a phishing copy) is
refused, since the browser signs the origin it really is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import JsonResponse
from django.http.request import split_domain_port
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import exceptions as refusals
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from accounts import local_login
from accounts.models import User
from accounts.pending import pending_end, pending_user
from accounts.services import PASSWORD_AND_PASSKEY, SESSION_AUTH_AT, user_complete_login
from audit import services as audit
from audit.models import AccessOutcome, Action
from lotsa import access
from lotsa.access import Decision, Policy
from lotsa.errors import DomainError

# A passkey is added only this soon after the second factor was proven: a session left open on a desk
# does not let someone else add their own key to the account.
FRESH_LOGIN_SECONDS = 600

CREDENTIAL_TARGET = WebAuthnCredential._meta.label_lower


# --- Who has what ------------------------------------------------------------------------------------


def has_passkey(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def has_second_factor(user: User) -> bool:
    """An authenticator app or a passkey, either proves the login's second step."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists() or has_passkey(user)


def _second_factors(user: User) -> int:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).count()
        + WebAuthnCredential.objects.filter(user=user, confirmed=True).count()
    )


def login_is_fresh(request) -> bool:
    proven_at = request.session.get(SESSION_AUTH_AT, 0)
    return timezone.now().timestamp() - proven_at <= FRESH_LOGIN_SECONDS


class OwnPasskeyPolicy(Policy):
    """A person sees and removes their own passkeys only, and keeps at least one second factor."""

    def decide(self, user, action: str, obj, purpose: str) -> Decision:
        if obj.user_id != user.pk:
            return Decision.deny("another person's passkey")
        if action == Action.DELETE and _second_factors(user) <= 1:
            return Decision.deny("the last second factor stays")
        return Decision.allow("own passkey")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        return queryset.filter(user=user)


access.register(WebAuthnCredential, OwnPasskeyPolicy())


# --- Selectors and services ----------------------------------------------------------------------------


def passkeys_visible_to(user: User) -> QuerySet:
    """The person's own passkeys, newest first; the reading is recorded (their own page)."""
    access.check(user, Action.LIST, WebAuthnCredential(user=user), purpose="own passkeys")
    confirmed = WebAuthnCredential.objects.filter(confirmed=True)
    return access.visible_to(user, confirmed, purpose="own passkeys").order_by("-created_at", "-pk")


def passkey_page(request, rows) -> dict:
    """What the person's page shows beside the list: may they add one now, may they remove one."""
    return {
        "rows": rows,
        "fresh": login_is_fresh(request),
        "fresh_minutes": FRESH_LOGIN_SECONDS // 60,
        "can_remove": _second_factors(request.user) > 1,
    }


def passkey_registered(*, user: User, credential: WebAuthnCredential) -> None:
    audit.record(
        action=Action.SECOND_FACTOR_ENROLLED, actor=user, target=credential, reason="passkey registered"
    )


@transaction.atomic
def passkey_remove(*, by: User, credential_id: int) -> None:
    """Removes one of the person's own passkeys; never their last second factor. The person's row is
    locked first, so two removals at once cannot both find another factor left."""
    User.objects.select_for_update().filter(pk=by.pk).first()
    credential = WebAuthnCredential.objects.filter(pk=credential_id).first()
    if credential is None:  # removed meanwhile (another tab): nothing left to decide on
        raise DomainError(_("This passkey is removed already."))
    access.check(by, Action.DELETE, credential, purpose="remove a passkey")
    credential.delete()


# --- The ceremonies --------------------------------------------------------------------------------


def relying_party_id(request) -> str:
    """The domain passkeys are bound to (OTP_WEBAUTHN_RP_ID_CALLABLE): changing it strands them all."""
    return settings.LOTSA_PASSKEY_RP_ID or split_domain_port(request.get_host())[0]


class LotsaWebAuthnHelper(WebAuthnHelper):
    """The library's ceremony options, with Lotsa's relying party and origins, and the registration
    recorded in the transaction that saves the passkey."""

    def get_allowed_origins(self) -> list[str]:
        return [*settings.OTP_WEBAUTHN_ALLOWED_ORIGINS, f"{self.request.scheme}://{self.request.get_host()}"]

    def create_credential(self, user, response, parsed_credential, original_data):
        credential = super().create_credential(user, response, parsed_credential, original_data)
        credential.name = "passkey"
        return credential

    def register_complete(self, user, state: dict, data: dict):
        with transaction.atomic():
            credential = super().register_complete(user=user, state=state, data=data)
            passkey_registered(user=user, credential=credential)
        return credential


class NoLoginWaiting(refusals.OTPWebAuthnApiError):
    status_code = 403
    default_code = "no_login_waiting"
    default_detail = _("Log in with your username and password first.")


class LoginNotFresh(refusals.OTPWebAuthnApiError):
    status_code = 403
    default_code = "login_not_fresh"
    default_detail = _("To add a passkey, log out and log in again first.")


# Bodies that py_webauthn's parsers do not turn into their own errors (a list, a number, a field of the
# wrong type): a malformed request all the same.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError)


class _Refusals:
    """Each refusal: a denial event, then a JSON answer with a message the page's script shows."""

    login_step = False  # True: a step of a login (LOGIN_FAILURE); False: adding a passkey (CREATE)

    def handle_exception(self, exc):
        if isinstance(exc, MALFORMED):
            exc = refusals.MalformedRequest()
        if not isinstance(exc, refusals.OTPWebAuthnApiError):
            return super().handle_exception(exc)
        self.record_refusal(exc.code)
        return JsonResponse({"detail": str(self.message(exc.code)), "code": exc.code}, status=exc.status_code)

    def message(self, code: str):
        if code == "no_login_waiting":
            return NoLoginWaiting.default_detail
        if code == "login_not_fresh":
            return LoginNotFresh.default_detail
        if code in ("not_authenticated", "user_not_verified"):
            return _("Log in with your second factor first.")
        if self.login_step:
            return _("The passkey could not be used. Try again, or use the code from your authenticator app.")
        return _("The passkey could not be added. Try again.")

    def record_refusal(self, code: str) -> None:
        reason = "passkey response not valid"
        if code in ("not_authenticated", "user_not_verified"):
            reason = "passkey without a verified login"
        elif code == "no_login_waiting":
            reason = "passkey without a login waiting"
        elif code == "login_not_fresh":
            reason = "passkey needs a fresh login"
        elif code == "invalid_state":
            reason = "passkey challenge missing or used"
        elif code == "credential_not_found":
            reason = "unknown passkey"
        elif code == "credential_user_mismatch":
            reason = "another person's passkey"
        elif code in ("credential_disabled", "user_disabled"):
            reason = "passkey of a disabled account"
        user = self.request.user if self.request.user.is_authenticated else None
        if self.login_step:
            waiting = pending_user(self.request)
            audit.record(
                action=Action.LOGIN_FAILURE,
                outcome=AccessOutcome.DENIED,
                actor_username=waiting.username if waiting else "",
                target_type=CREDENTIAL_TARGET,
                reason=reason,
            )
        else:
            audit.record(
                action=Action.CREATE,
                outcome=AccessOutcome.DENIED,
                actor=user,
                target_type=CREDENTIAL_TARGET,
                reason=reason,
            )


class _Registering(_Refusals):
    """Only a session verified by a second factor, and freshly: never a login that has only its password."""

    def check_can_register(self):
        if not self.request.user.is_verified():
            raise refusals.NotVerified()
        if not login_is_fresh(self.request):
            raise LoginNotFresh()


class PasskeyRegistrationBegin(_Registering, BeginCredentialRegistrationView):
    pass


class PasskeyRegistrationComplete(_Registering, CompleteCredentialRegistrationView):
    pass


class _LoggingIn(_Refusals):
    """The second step of a login: the person whose password this session checked, nobody else."""

    login_step = True

    def get_user(self):
        return pending_user(self.request)

    def check_can_authenticate(self):
        if self.get_user() is None:
            raise NoLoginWaiting()


class PasskeyLoginBegin(_LoggingIn, BeginCredentialAuthenticationView):
    pass


class PasskeyLoginComplete(_LoggingIn, CompleteCredentialAuthenticationView):
    destination = ""

    def complete_auth(self, device: WebAuthnCredential) -> None:
        self.destination = pending_end(self.request)
        user_complete_login(
            request=self.request,
            user=device.user,
            how=local_login.method_for(device.user, PASSWORD_AND_PASSKEY),
            device=device,
        )

    def get_success_url(self) -> str:
        return self.destination
