"""Single sign-on with OpenID Connect: a city's identity provider proves who the person is.

Authlib's Django client does the protocol: the authorization code flow with PKCE (S256), ``state``
bound to the session, ``nonce`` in the id token, and the id token's signature checked against the
provider's published keys (JWKS, fetched again once when a key id is unknown). What is Lotsa's own:

* the account is found only through an identity link (accounts.identities) that a second person
  approved; a login never creates an account, a link or a role;
* the assurance level (``acr``) must reach the floor set for every role the account holds
  (``LOTSA_OIDC_ROLE_ASSURANCE``; a guarded role not named needs the highest level); a session
  below it is refused outright, never opened with fewer roles;
* a session from the provider counts as verified (its second factor is the provider's): the
  identity link is its django-otp device, so removing the link ends the session;
* every refusal is one denial event in the access log and one clear message, never a 500.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError

from accounts import assurance, identities, installation, replay, services
from accounts.models import User
from accounts.roles import Role
from audit import services as audit
from audit.models import AccessOutcome, Action

METHOD = "single sign-on (OpenID Connect)"
SESSION_ID_TOKEN = "lotsa_oidc_id_token"  # noqa: S105 (a session key, no secret)
CLIENT_NAME = "city"
STATE_PREFIX = f"_state_{CLIENT_NAME}_"

START_AGAIN = _("The login through your organisation's e-ID could not be completed. Start again.")
MESSAGES = {
    "state": _(
        "The login through your organisation's e-ID did not match a login started here, or it was "
        "started too long ago. Start again from Lotsa's login page."
    ),
    "token": _(
        "Lotsa could not confirm the answer from your organisation's e-ID (it was expired, used "
        "already, or not signed by the provider). Start again; if it happens again, contact your "
        "administrator."
    ),
    "unreachable": _("Lotsa cannot reach your organisation's e-ID service just now. Try again in a while."),
    "unknown": _(
        "Your e-ID identity is not linked to any account in Lotsa. Ask your administrator to link it."
    ),
    "disabled": _(
        "Your account is disabled or its organisation no longer takes part. Contact your administrator."
    ),
    "assurance": _(
        "Your login's assurance level (%(acr)s) is too low for the roles of your account: it needs "
        "%(needed)s. Log in again with a stronger e-ID."
    ),
}


def _client_secret() -> str:
    if settings.LOTSA_OIDC_CLIENT_SECRET:
        return settings.LOTSA_OIDC_CLIENT_SECRET
    path = settings.LOTSA_OIDC_CLIENT_SECRET_FILE
    if path and Path(path).is_file():
        return Path(path).read_text().strip()
    return ""


def oidc_configured() -> bool:
    """Whether Lotsa is set up to log in through a city's OpenID Provider."""
    return bool(settings.LOTSA_OIDC_ISSUER and settings.LOTSA_OIDC_CLIENT_ID and _client_secret())


def single_sign_on() -> dict | None:
    """What the login page shows of single sign-on: the provider's name, when it is configured."""
    if not oidc_configured():
        return None
    return {"name": settings.LOTSA_OIDC_NAME or _("your organisation's e-ID")}


_registry: dict[str, OAuth] = {}


def _client():
    """The Authlib client, made once per configuration (it caches the provider's metadata and keys)."""
    key = f"{settings.LOTSA_OIDC_ISSUER}|{settings.LOTSA_OIDC_CLIENT_ID}"
    if key not in _registry:
        oauth = OAuth()
        oauth.register(
            CLIENT_NAME,
            client_id=settings.LOTSA_OIDC_CLIENT_ID,
            client_secret=_client_secret(),
            server_metadata_url=f"{settings.LOTSA_OIDC_ISSUER}/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.LOTSA_OIDC_SCOPES,
                "code_challenge_method": "S256",
                "default_timeout": 10,
            },
        )
        _registry.clear()
        _registry[key] = oauth
    return getattr(_registry[key], CLIENT_NAME)


def forget_provider() -> None:
    """Forget the provider's metadata and keys (fetched again at the next login)."""
    _registry.clear()


def _metadata() -> dict:
    metadata = _client().load_server_metadata()
    if metadata.get("issuer", "").rstrip("/") != settings.LOTSA_OIDC_ISSUER:
        raise OAuthError(error="issuer", description="the provider names another issuer")
    return metadata


# --- Assurance levels -------------------------------------------------------------------------------


def assurance_floor(role: str) -> str | None:
    """The lowest ``acr`` a role needs (accounts.assurance, with the OpenID Connect levels)."""
    return assurance.assurance_floor(
        role, order=settings.LOTSA_OIDC_ACR_ORDER, floors=settings.LOTSA_OIDC_ROLE_ASSURANCE
    )


def assurance_short(user: User, acr: str) -> list[tuple[str, str]]:
    """(role, floor) for each role of ``user`` whose floor ``acr`` does not reach."""
    return assurance.assurance_short(
        user, acr, order=settings.LOTSA_OIDC_ACR_ORDER, floors=settings.LOTSA_OIDC_ROLE_ASSURANCE
    )


# --- The flow ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How a login through the provider ended: ``user`` logged in, or ``message`` said why not."""

    user: User | None = None
    message: str = ""


def _refused(reason: str, message, *, username: str = "") -> Outcome:
    audit.record(
        action=Action.LOGIN_FAILURE, outcome=AccessOutcome.DENIED, actor_username=username, reason=reason
    )
    return Outcome(message=str(message))


def _callback_uri(request) -> str:
    return request.build_absolute_uri(reverse("accounts:oidc_callback"))


def oidc_begin(request) -> tuple[str | None, Outcome | None]:
    """Where to send the browser to log in at the provider (its authorization endpoint, with a new
    state, nonce and PKCE challenge kept in the session); or the refusal when it cannot be reached."""
    try:
        _metadata()
        # max_age: the provider proves the person anew (a session of its own older than this is not
        # enough), so that Lotsa's idle timeout is not undone by the provider's session; checked
        # against the id token's auth_time in oidc_finish.
        response = _client().authorize_redirect(
            request, _callback_uri(request), max_age=settings.LOTSA_SSO_MAX_AGE_SECONDS
        )
    except (OAuthError, requests.RequestException, ValueError):
        return None, _refused("single sign-on refused: provider unreachable", MESSAGES["unreachable"])
    return response["Location"], None


def _fetch_claims(request) -> Outcome | tuple[dict, str]:
    """The verified id token's claims and the id token itself; or the refusal, recorded."""
    client = _client()
    state = request.GET.get("state", "")
    token_problem = MESSAGES["token"]
    if request.GET.get("error"):
        return _refused("single sign-on refused: the provider answered with an error", token_problem)
    if not state or client.framework.get_state_data(request.session, state) is None:
        return _refused("single sign-on refused: state", MESSAGES["state"])
    returned_issuer = request.GET.get("iss")
    if returned_issuer is not None and returned_issuer.rstrip("/") != settings.LOTSA_OIDC_ISSUER:
        return _refused("single sign-on refused: another issuer", token_problem)
    try:
        _metadata()
        token = client.authorize_access_token(request, leeway=settings.LOTSA_OIDC_LEEWAY_SECONDS)
    except (InvalidKeyIdError, BadSignatureError):
        return _refused("single sign-on refused: signature", token_problem)
    except ExpiredTokenError:
        return _refused("single sign-on refused: token expired", token_problem)
    except ClaimError as error:
        if error.claim == "nonce":
            return _refused("single sign-on refused: nonce", token_problem)
        return _refused("single sign-on refused: token claims", token_problem)
    except JoseError:
        return _refused("single sign-on refused: token", token_problem)
    except OAuthError:
        return _refused("single sign-on refused: code not accepted by the provider", token_problem)
    except (requests.RequestException, ValueError):
        return _refused("single sign-on refused: provider unreachable", MESSAGES["unreachable"])
    except (KeyError, TypeError):  # an answer of the wrong shape
        return _refused("single sign-on refused: token", token_problem)
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        return _refused("single sign-on refused: token", token_problem)
    if not _first_use(claims):
        return _refused("single sign-on refused: nonce", token_problem)
    return dict(claims), token["id_token"]


def _first_use(claims) -> bool:
    """The provider redeems a code once and the state is this session's, but the id token's nonce is
    also recorded installation-wide (accounts.replay), until the token expires: an id token is taken
    once, in whichever process or session it comes."""
    nonce, expires = claims.get("nonce"), claims.get("exp")
    if not isinstance(nonce, str) or not nonce or not isinstance(expires, int | float):
        return False
    until = dt.datetime.fromtimestamp(expires + settings.LOTSA_OIDC_LEEWAY_SECONDS, tz=dt.UTC)
    return replay.answer_use(
        kind="oidc", identifiers=[f"{settings.LOTSA_OIDC_ISSUER}|nonce:{nonce}"], expires_at=until
    )


def oidc_finish(request) -> Outcome:
    """The provider's answer: verify it, find the linked account, check its assurance level, and log
    in (the login event says "single sign-on (OpenID Connect) via <issuer> at <acr>")."""
    if not oidc_configured():
        return _refused("single sign-on refused: not configured", START_AGAIN)
    fetched = _fetch_claims(request)
    if isinstance(fetched, Outcome):
        return fetched
    claims, id_token = fetched
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, int | float) or time.time() - auth_time > (
        settings.LOTSA_SSO_MAX_AGE_SECONDS + settings.LOTSA_OIDC_LEEWAY_SECONDS
    ):
        return _refused("single sign-on refused: login not fresh", MESSAGES["token"])
    value = claims.get(settings.LOTSA_OIDC_CLAIM)
    link = None
    if isinstance(value, str | int) and str(value):
        link = identities.identity_find(
            provider=settings.LOTSA_OIDC_ISSUER, claim=settings.LOTSA_OIDC_CLAIM, value=str(value)
        )
    if link is None:
        # The unlinked identity is not written down: it may be a personal identity number.
        return _refused("single sign-on refused: no linked account", MESSAGES["unknown"])
    user = link.user
    organisation = user.organisation
    if not user.is_active or organisation is None or not organisation.is_active:
        return _refused(
            "single sign-on refused: account disabled", MESSAGES["disabled"], username=user.username
        )
    acr = str(claims.get("acr") or "")
    short = assurance_short(user, acr)
    if short:
        needed = ", ".join(f"{floor} ({Role(role).label})" for role, floor in short)
        return _refused(
            "single sign-on refused: assurance too low",
            MESSAGES["assurance"] % {"acr": acr or "-", "needed": needed},
            username=user.username,
        )
    # A link the installation's logins approved is confined until the id token names the first supervisor.
    installation.link_confirm_by_provider(
        link=link,
        claim=installation.first_supervisor_claim(settings.LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM),
        asserted=claims.get,
    )
    how = services.LoginMethod(method=METHOD, provider=settings.LOTSA_OIDC_ISSUER, assurance=acr or "-")
    services.user_complete_login(request=request, user=user, how=how, device=link)
    request.session[SESSION_ID_TOKEN] = id_token
    return Outcome(user=user)


def oidc_logout_url(request, id_token: str | None) -> str | None:
    """RP-initiated logout: the provider's end-session endpoint with the id token as hint and Lotsa's
    login page to come back to, when the session came from the provider and it announces one."""
    if not id_token or not oidc_configured():
        return None
    try:
        endpoint = _metadata().get("end_session_endpoint")
    except (OAuthError, requests.RequestException, ValueError):
        return None
    if not endpoint:
        return None
    return _client().create_logout_url(
        post_logout_redirect_uri=request.build_absolute_uri(reverse("accounts:login")),
        id_token_hint=id_token,
    )["url"]
