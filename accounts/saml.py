"""Single sign-on with SAML 2.0 (Web SSO, SP-initiated): the Swedish eID framework (Sweden Connect,
SITHS through the national identity provider) proves who the person is.

pysaml2 does the protocol: the AuthnRequest (HTTP-Redirect binding, signed with Lotsa's key), and the
Response (HTTP-POST binding) checked against the identity provider's metadata: the assertion must be
signed by the provider's key, be meant for Lotsa's entity id (audience), be within NotBefore and
NotOnOrAfter, and answer (InResponseTo) a request that this browser started (kept in its session);
encrypted assertions are decrypted with Lotsa's key. What is Lotsa's own, as for OpenID Connect
(accounts.oidc):

* the account is found only through an identity link (accounts.identities) that a second person
  approved, matched by a configured attribute (``LOTSA_SAML_ATTRIBUTE``, e.g. the personal identity
  number); a login never creates an account, a link or a role; an unmatched value is never written;
* the AuthnContextClassRef must reach the floor of every role the account holds (accounts.assurance,
  ``LOTSA_SAML_LOA_ORDER`` and ``LOTSA_SAML_ROLE_ASSURANCE``);
* a request's id is used once: the answer to it is refused when it comes again (replay);
* the identity link is the session's django-otp device; every refusal is one denial event and one
  clear message, never a 500.

Single logout (SLO, HTTP-Redirect binding), where the IdP's metadata has a SingleLogoutService:

* logging out ends Lotsa's session first and records it (the provider is never waited for), then
  sends the browser to the provider with a LogoutRequest signed with Lotsa's key, naming the login's
  NameID and SessionIndex (kept in the session for this alone); its id is kept in the new, anonymous
  session, and the provider's LogoutResponse (at ``accounts:saml_slo``) is taken only when its query
  signature verifies against the provider's key, it answers that id, and comes from the configured
  provider: the login page then says whether the provider ended its session too;
* a LogoutRequest from the provider (IdP-initiated) is taken only when signed by it (the query's
  signature, checked before anything else is believed, over the query's bytes as received and only
  with RSA-SHA256 or stronger) and issued by it, once, within the time its id is remembered (its
  IssueInstant neither older nor from the future): every Lotsa session made from that NameID and
  SessionIndex ends (found through keyed hashes on accounts.UserSession, never the NameID itself),
  one logout event per account, and Lotsa answers with a signed LogoutResponse;
* every refusal is one denial event and one clear message, never a 500. Without an SLO service in
  the metadata, logging out ends Lotsa's session only; ForceAuthn and the AuthnInstant check keep
  the IdP's own session from logging anyone into Lotsa again (docs/operations.md).
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import time
import zlib
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

from defusedxml import ElementTree
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.response import IncorrectlySigned, StatusError, UnsolicitedResponse
from saml2.s_utils import success_status_factory
from saml2.saml import NAMEID_FORMAT_TRANSIENT, AuthnContextClassRef, NameID
from saml2.samlp import STATUS_SUCCESS, RequestedAuthnContext
from saml2.sigver import (
    REQ_ORDER,
    RESP_ORDER,
    SIGNER_ALGS,
    SignatureError,
    extract_rsa_key_from_x509_cert,
    pem_format,
)
from saml2.time_util import str_to_time
from saml2.validate import ResponseLifetimeExceed, ToEarly
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256, SIG_RSA_SHA384, SIG_RSA_SHA512

from accounts import assurance, identities, installation, replay, services
from accounts.models import User
from accounts.oidc import MESSAGES, START_AGAIN, Outcome, _refused
from accounts.roles import Role
from audit import services as audit
from audit.models import AccessOutcome, Action
from lotsa.crypto import blind_index

METHOD = "single sign-on (SAML)"
SESSION_REQUESTS = "lotsa_saml_requests"  # request id -> when it was sent
SESSION_ANSWERED = "lotsa_saml_answered"  # request ids already answered
SESSION_LOGOUT = "lotsa_saml_logout"  # what single logout names: the IdP, the NameID, the SessionIndex
SESSION_LOGOUT_SENT = "lotsa_saml_logout_sent"  # logout request id -> when it was sent, who logged out
KEEP_REQUESTS = 5
REQUEST_LIFETIME_SECONDS = 15 * 60
# What Lotsa signs with (AuthnRequests, logout messages) and the only query signatures it accepts:
# Sweden Connect's SHA-256 or stronger, never SHA-1 (pysaml2's default when nothing is said).
SIGNATURE_ALGORITHMS = (SIG_RSA_SHA256, SIG_RSA_SHA384, SIG_RSA_SHA512)

ANSWER = _(
    "Lotsa could not confirm the answer from your organisation's e-ID (it was expired, used already, "
    "meant for another service, or not signed by the identity provider). Start again; if it happens "
    "again, contact your administrator."
)


def saml_configured() -> bool:
    """Whether Lotsa is set up to log in through a SAML identity provider."""
    files = (
        settings.LOTSA_SAML_IDP_METADATA_FILE,
        settings.LOTSA_SAML_KEY_FILE,
        settings.LOTSA_SAML_CERT_FILE,
    )
    return bool(
        settings.LOTSA_SAML_SP_ENTITY_ID
        and settings.LOTSA_SAML_IDP_ENTITY_ID
        and all(path and Path(path).is_file() for path in files)
    )


def single_sign_on() -> dict | None:
    """What the login page shows of SAML single sign-on: the provider's name, when configured."""
    if not saml_configured():
        return None
    return {"name": settings.LOTSA_SAML_NAME or _("your organisation's e-ID")}


_configs: dict[str, SPConfig] = {}


def _config(base_url: str) -> SPConfig:
    keypair = {"key_file": settings.LOTSA_SAML_KEY_FILE, "cert_file": settings.LOTSA_SAML_CERT_FILE}
    acs = base_url + reverse("accounts:saml_acs")
    sp = {
        "name": "Lotsa",
        "endpoints": {
            "assertion_consumer_service": [(acs, BINDING_HTTP_POST)],
            "single_logout_service": [(base_url + reverse("accounts:saml_slo"), BINDING_HTTP_REDIRECT)],
        },
        "allow_unsolicited": False,
        "authn_requests_signed": True,
        "logout_requests_signed": True,
        "logout_responses_signed": True,
        "want_assertions_signed": True,
        # The Response too (Sweden Connect signs both): an encrypted assertion inside an unsigned
        # Response is otherwise taken as verified by pysaml2's decryption path.
        "want_response_signed": True,
        "name_id_format": NAMEID_FORMAT_TRANSIENT,
        "idp": [settings.LOTSA_SAML_IDP_ENTITY_ID],
        # Here, not at the top level: pysaml2 reads them in the service's context (else RSA-SHA1).
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
    }
    config = {
        "entityid": settings.LOTSA_SAML_SP_ENTITY_ID,
        **keypair,
        "encryption_keypairs": [keypair],
        "metadata": {"local": [settings.LOTSA_SAML_IDP_METADATA_FILE]},
        "service": {"sp": sp},
        "allow_unknown_attributes": True,
        "accepted_time_diff": settings.LOTSA_SAML_LEEWAY_SECONDS,
    }
    if settings.LOTSA_SAML_XMLSEC_BINARY:
        config["xmlsec_binary"] = settings.LOTSA_SAML_XMLSEC_BINARY
    return SPConfig().load(config)


def _sp_config(request) -> SPConfig:
    """Lotsa's SP configuration with the parsed metadata, made once per setting."""
    base = request.build_absolute_uri("/").rstrip("/")
    key = "|".join(
        str(part)
        for part in (
            base,
            settings.LOTSA_SAML_SP_ENTITY_ID,
            settings.LOTSA_SAML_IDP_ENTITY_ID,
            settings.LOTSA_SAML_IDP_METADATA_FILE,
            settings.LOTSA_SAML_KEY_FILE,
            settings.LOTSA_SAML_CERT_FILE,
            settings.LOTSA_SAML_LEEWAY_SECONDS,
            settings.LOTSA_SAML_XMLSEC_BINARY,
        )
    )
    if key not in _configs:
        config = _config(base)
        _configs.clear()
        _configs[key] = config
    return _configs[key]


def _client(request) -> Saml2Client:
    """A pysaml2 client for one request: not kept, as it remembers each person's attributes."""
    return Saml2Client(config=_sp_config(request))


def forget_provider() -> None:
    """Forget the parsed metadata (read again at the next login)."""
    _configs.clear()


def sp_metadata(request) -> str:
    """Lotsa's SP metadata (entity id, ACS, signing and encryption certificate), for the federation."""
    return str(entity_descriptor(_sp_config(request)))


def idp_origin(request) -> str | None:
    """The origin of the provider's single sign-on service (the login form leads there, for the CSP)."""
    try:
        locations = _sp_config(request).metadata.single_sign_on_service(
            settings.LOTSA_SAML_IDP_ENTITY_ID, BINDING_HTTP_REDIRECT
        )
    except Exception:  # broken metadata must not take the login page down
        return None
    for location in locations:
        parts = urlsplit(location.get("location", ""))
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return None


# --- The flow ----------------------------------------------------------------------------------------


def saml_begin(request) -> tuple[str | None, Outcome | None]:
    """Where to send the browser to log in at the identity provider (a signed AuthnRequest by the
    HTTP-Redirect binding), its id kept in the session; or the refusal when it cannot be made."""
    extra = {}
    if settings.LOTSA_SAML_LOA_ORDER:
        extra["requested_authn_context"] = RequestedAuthnContext(
            authn_context_class_ref=[AuthnContextClassRef(text=loa) for loa in settings.LOTSA_SAML_LOA_ORDER],
            comparison="exact",
        )
    try:
        # ForceAuthn: the provider proves the person anew (its own open session is not enough), so
        # that Lotsa's idle timeout is not undone by it; the AuthnInstant is checked in saml_finish.
        request_id, info = _client(request).prepare_for_authenticate(
            entityid=settings.LOTSA_SAML_IDP_ENTITY_ID,
            binding=BINDING_HTTP_REDIRECT,
            force_authn="true",
            **extra,
        )
    except Exception:  # broken metadata or a missing xmlsec1: refused, never a 500
        return None, _refused("single sign-on refused: provider unreachable", MESSAGES["unreachable"])
    location = dict(info["headers"]).get("Location")
    if not location:
        return None, _refused("single sign-on refused: provider unreachable", MESSAGES["unreachable"])
    now = time.time()
    waiting = {
        key: sent
        for key, sent in request.session.get(SESSION_REQUESTS, {}).items()
        if now - sent < REQUEST_LIFETIME_SECONDS
    }
    waiting[request_id] = now
    request.session[SESSION_REQUESTS] = dict(
        sorted(waiting.items(), key=lambda item: item[1])[-KEEP_REQUESTS:]
    )
    return location, None


SAMLP_RESPONSE = "{urn:oasis:names:tc:SAML:2.0:protocol}Response"


def _in_response_to(xml: str) -> str | None:
    """The InResponseTo of a Response, read (unverified, by a parser that refuses entities and DTDs)
    before any signature work; None when it is no SAML Response or names no request."""
    try:
        document = base64.b64decode(xml, validate=False)
        root = ElementTree.fromstring(document, forbid_dtd=True)
    except Exception:  # not base64, not XML, entities or a DTD (defusedxml): a refusal, never a 500
        return None
    if root.tag != SAMLP_RESPONSE:
        return None
    return root.get("InResponseTo") or None


def _parse(request):
    """pysaml2's verified response; or the refusal, recorded. An answer to no request of this browser
    is refused before pysaml2 (and xmlsec1) sees it: its InResponseTo is read first, unverified, and
    must name a request this session started and has not had answered."""
    waiting = request.session.get(SESSION_REQUESTS, {})
    answered = request.session.get(SESSION_ANSWERED, [])
    xml = request.POST.get("SAMLResponse", "")
    if not xml:
        return _refused("single sign-on refused: SAML response", ANSWER)
    named = _in_response_to(xml)
    if named is None:
        return _refused("single sign-on refused: SAML response", ANSWER)
    if named in answered:
        return _refused("single sign-on refused: SAML replay", ANSWER)
    if named not in waiting:
        return _refused("single sign-on refused: state", MESSAGES["state"])
    try:
        response = _client(request).parse_authn_request_response(
            xml, BINDING_HTTP_POST, outstanding={named: "/"}
        )
    except UnsolicitedResponse:
        return _refused("single sign-on refused: state", MESSAGES["state"])
    except (SignatureError, IncorrectlySigned):
        return _refused("single sign-on refused: SAML signature", ANSWER)
    except ResponseLifetimeExceed:
        return _refused("single sign-on refused: SAML assertion expired", ANSWER)
    except ToEarly:
        return _refused("single sign-on refused: SAML assertion not yet valid", ANSWER)
    except StatusError:
        return _refused("single sign-on refused: the provider answered with an error", ANSWER)
    except Exception as error:  # pysaml2 raises a bare Exception for a foreign audience, among others
        if "AudienceRestriction" in str(error):
            return _refused("single sign-on refused: SAML audience", ANSWER)
        return _refused("single sign-on refused: SAML response", ANSWER)
    if response is None or response.assertion is None:
        return _refused("single sign-on refused: SAML response", ANSWER)
    if not _from_our_idp_to_us(request, response):
        return _refused("single sign-on refused: SAML issuer or audience", ANSWER)
    in_response_to = response.in_response_to
    if in_response_to != named or in_response_to in answered or in_response_to not in waiting:
        return _refused("single sign-on refused: SAML replay", ANSWER)
    if not replay.answer_use(
        kind="saml", identifiers=_answer_ids(response), expires_at=_answer_expiry(response.assertion)
    ):
        # Accepted once already, in another browser or process: the table is installation-wide.
        return _refused("single sign-on refused: SAML replay", ANSWER)
    waiting.pop(in_response_to)
    request.session[SESSION_REQUESTS] = waiting
    request.session[SESSION_ANSWERED] = [*answered, in_response_to][-KEEP_REQUESTS * 4 :]
    return response


def _answer_ids(response) -> list[str]:
    """The IDs that make an answer one: the Response's and its Assertion's."""
    ids = [f"response:{response.response.id}", f"assertion:{response.assertion.id}"]
    return [identifier for identifier in ids if not identifier.endswith(":None")]


def _answer_expiry(assertion) -> dt.datetime:
    """Until when the answer could be accepted at all: its latest NotOnOrAfter (the conditions', the
    subject confirmations'), with the leeway; never less than a request's lifetime from now."""
    limits = []
    if assertion.conditions is not None and assertion.conditions.not_on_or_after:
        limits.append(assertion.conditions.not_on_or_after)
    for confirmation in (assertion.subject.subject_confirmation if assertion.subject else None) or []:
        data = confirmation.subject_confirmation_data
        if data is not None and data.not_on_or_after:
            limits.append(data.not_on_or_after)
    now = timezone.now()
    latest = now + dt.timedelta(seconds=REQUEST_LIFETIME_SECONDS)
    for limit in limits:
        try:
            moment = dt.datetime.fromtimestamp(calendar.timegm(str_to_time(limit)), tz=dt.UTC)
        except (TypeError, ValueError):
            continue
        latest = max(latest, moment)
    return latest + dt.timedelta(seconds=settings.LOTSA_SAML_LEEWAY_SECONDS)


def _from_our_idp_to_us(request, response) -> bool:
    """pysaml2 checks a signature against the certificates of whichever entity the document names as
    its issuer (any entity in the federation's metadata) and accepts an assertion without an audience:
    Lotsa takes exactly one assertion, issued (as is the Response) by the configured IdP, restricted to
    Lotsa's entity id, and confirmed for Lotsa's assertion consumer service."""
    idp, sp = settings.LOTSA_SAML_IDP_ENTITY_ID, settings.LOTSA_SAML_SP_ENTITY_ID
    acs = request.build_absolute_uri(reverse("accounts:saml_acs"))
    assertions = list(getattr(response, "assertions", None) or [response.assertion])
    if response.issuer() != idp or len(assertions) != 1:
        return False
    destination = response.response.destination
    if destination is not None and destination != acs:
        return False
    assertion = assertions[0]
    if assertion.issuer is None or (assertion.issuer.text or "").strip() != idp or assertion.advice:
        return False
    conditions = assertion.conditions
    audiences = [
        (audience.text or "").strip()
        for restriction in (conditions.audience_restriction if conditions is not None else None) or []
        for audience in restriction.audience or []
    ]
    if sp not in audiences:
        return False
    confirmations = [
        confirmation.subject_confirmation_data
        for confirmation in (assertion.subject.subject_confirmation if assertion.subject else None) or []
    ]
    return bool(confirmations) and all(data is not None and data.recipient == acs for data in confirmations)


def _attribute(assertion, name: str) -> str:
    """The first value of the attribute ``name`` in the (verified) assertion, or ''."""
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            if attribute.name == name:
                for value in attribute.attribute_value or []:
                    if value.text and value.text.strip():
                        return value.text.strip()
    return ""


def _attribute_values(assertion, name: str) -> list[str]:
    """Every value of the attribute ``name`` in the (verified) assertion."""
    return [
        value.text.strip()
        for statement in assertion.attribute_statement or []
        for attribute in statement.attribute or []
        if attribute.name == name
        for value in attribute.attribute_value or []
        if value.text and value.text.strip()
    ]


def _class_ref(assertion) -> str:
    for statement in assertion.authn_statement or []:
        context = statement.authn_context
        if context is not None and context.authn_context_class_ref is not None:
            return (context.authn_context_class_ref.text or "").strip()
    return ""


def _fresh(assertion) -> bool:
    """Whether the person was proved within LOTSA_SSO_MAX_AGE_SECONDS (every AuthnInstant)."""
    statements = assertion.authn_statement or []
    if not statements:
        return False
    for statement in statements:
        try:
            instant = calendar.timegm(str_to_time(statement.authn_instant))
        except (TypeError, ValueError):
            return False
        if time.time() - instant > settings.LOTSA_SSO_MAX_AGE_SECONDS + settings.LOTSA_SAML_LEEWAY_SECONDS:
            return False
    return True


def saml_finish(request) -> Outcome:
    """The identity provider's answer: verify it, find the linked account, check the assurance
    (AuthnContextClassRef), and log in ("single sign-on (SAML) via <entity id> at <class ref>")."""
    if not saml_configured():
        return _refused("single sign-on refused: not configured", START_AGAIN)
    response = _parse(request)
    if isinstance(response, Outcome):
        return response
    if not _fresh(response.assertion):
        return _refused("single sign-on refused: login not fresh", ANSWER)
    provider = settings.LOTSA_SAML_IDP_ENTITY_ID
    value = _attribute(response.assertion, settings.LOTSA_SAML_ATTRIBUTE)
    link = None
    if value:
        link = identities.identity_find(provider=provider, claim=settings.LOTSA_SAML_ATTRIBUTE, value=value)
    if link is None:
        # The unlinked identity is not written down: it may be a personal identity number.
        return _refused("single sign-on refused: no linked account", MESSAGES["unknown"])
    user: User = link.user
    organisation = user.organisation
    if not user.is_active or organisation is None or not organisation.is_active:
        return _refused(
            "single sign-on refused: account disabled", MESSAGES["disabled"], username=user.username
        )
    level = _class_ref(response.assertion)
    short = assurance.assurance_short(
        user, level, order=settings.LOTSA_SAML_LOA_ORDER, floors=settings.LOTSA_SAML_ROLE_ASSURANCE
    )
    if short:
        needed = ", ".join(f"{floor} ({Role(role).label})" for role, floor in short)
        return _refused(
            "single sign-on refused: assurance too low",
            MESSAGES["assurance"] % {"acr": level or "-", "needed": needed},
            username=user.username,
        )
    # A link the installation's logins approved is confined until the assertion names the first supervisor.
    installation.link_confirm_by_provider(
        link=link,
        claim=installation.first_supervisor_claim(settings.LOTSA_SAML_FIRST_SUPERVISOR_ATTRIBUTE),
        asserted=lambda name: _attribute_values(response.assertion, name),
    )
    how = services.LoginMethod(method=METHOD, provider=provider, assurance=level or "-")
    name_id, session_index = _login_session(response)
    services.user_complete_login(
        request=request,
        user=user,
        how=how,
        device=link,
        sso_subject=_subject_hash(provider, name_id.text) if name_id is not None else "",
        sso_session=_session_hash(provider, session_index) if session_index else "",
    )
    if name_id is not None:
        request.session[SESSION_LOGOUT] = {
            "idp": provider,
            "name_id": {
                "text": name_id.text,
                "format": name_id.format,
                "name_qualifier": name_id.name_qualifier,
                "sp_name_qualifier": name_id.sp_name_qualifier,
            },
            "session_index": session_index,
        }
    return Outcome(user=user)


# --- Single logout -----------------------------------------------------------------------------------

SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"
SAML_ISSUER = "{urn:oasis:names:tc:SAML:2.0:assertion}Issuer"
MAX_MESSAGE_BYTES = 64 * 1024  # an inflated logout message is a few kilobytes; more is refused unread

LOGOUT_DONE = _("You have logged out of Lotsa and of your organisation's e-ID.")
LOGOUT_NOT_CONFIRMED = _(
    "You have logged out of Lotsa, but your organisation's e-ID did not confirm that it ended its own "
    "session. Close the browser to be sure."
)
LOGOUT_ANSWER = _(
    "You have logged out of Lotsa, but Lotsa could not confirm the answer from your organisation's e-ID "
    "(it was not signed by the identity provider, or it answered no logout started in this browser). "
    "Close the browser to be sure you have logged out of the e-ID too."
)
LOGOUT_REQUEST = _(
    "Lotsa could not confirm the request from your organisation's e-ID to log out (it was not signed by "
    "the identity provider, came from another provider, had expired or had been used already). Nothing "
    "was changed."
)
LOGOUT_BY_PROVIDER = _("Your organisation's e-ID has logged you out of Lotsa.")


def _subject_hash(idp: str, name_id: str | None) -> str:
    """The keyed hash a session made from this NameID is found by (the NameID itself is not kept): the
    one place the NameID is normalised (whitespace around it dropped), for the login and the logout."""
    return blind_index("saml single logout subject", f"{idp}\x1f{(name_id or '').strip()}")


def _session_hash(idp: str, session_index: str) -> str:
    return blind_index("saml single logout session", f"{idp}\x1f{session_index}")


def _login_session(response) -> tuple[NameID | None, str]:
    """The verified assertion's NameID and SessionIndex: what a LogoutRequest names."""
    assertion = response.assertion
    name_id = assertion.subject.name_id if assertion.subject is not None else None
    if name_id is not None and not (name_id.text or "").strip():
        name_id = None
    for statement in assertion.authn_statement or []:
        if statement.session_index:
            return name_id, statement.session_index
    return name_id, ""


def _slo_location(request) -> str | None:
    """The provider's SingleLogoutService (HTTP-Redirect binding), when its metadata has one."""
    try:
        found = _sp_config(request).metadata.single_logout_service(
            settings.LOTSA_SAML_IDP_ENTITY_ID, BINDING_HTTP_REDIRECT, "idpsso"
        )
    except Exception:  # broken metadata: the logout stays local
        return None
    for service in found or []:
        if service.get("location"):
            return service["location"]
    return None


def slo_origin(request) -> str | None:
    """The origin of the provider's single logout service (the logout form leads there, for the CSP)."""
    parts = urlsplit(_slo_location(request) or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def saml_logout_state(request) -> dict | None:
    """What single logout needs of this session (read before the session ends), or None."""
    return request.session.get(SESSION_LOGOUT)


def saml_logout_url(request, state: dict | None, *, user_id: int | None) -> str | None:
    """After Lotsa's session has ended (and its logout event is written): where to send the browser so
    that the provider ends its own, a LogoutRequest signed with Lotsa's key (HTTP-Redirect), its id kept
    in the new session; None when the session did not come from the provider or it offers no SLO."""
    if not state or not saml_configured() or state.get("idp") != settings.LOTSA_SAML_IDP_ENTITY_ID:
        return None
    location = _slo_location(request)
    if not location:
        return None
    client = _client(request)
    index = state.get("session_index")
    try:
        request_id, logout_request = client.create_logout_request(
            location,
            state["idp"],
            name_id=NameID(**state["name_id"]),
            session_indexes=[index] if index else None,
            sign=False,
        )
        info = client.apply_binding(BINDING_HTTP_REDIRECT, str(logout_request), location, "", sign=True)
    except Exception:  # a missing key or xmlsec1: Lotsa's own logout stands; the provider's is not asked
        return None
    target = dict(info["headers"]).get("Location")
    if not target:
        return None
    now = time.time()
    sent = {
        key: value
        for key, value in request.session.get(SESSION_LOGOUT_SENT, {}).items()
        if now - value["sent"] < REQUEST_LIFETIME_SECONDS
    }
    sent[request_id] = {"sent": now, "user": user_id}
    request.session[SESSION_LOGOUT_SENT] = dict(
        sorted(sent.items(), key=lambda item: item[1]["sent"])[-KEEP_REQUESTS:]
    )
    return target


def _logout_refused(reason: str, message) -> tuple[bool, str]:
    audit.record(action=Action.LOGOUT, outcome=AccessOutcome.DENIED, reason=reason)
    return False, str(message)


def _redirect_message(request, kind: str):
    """The HTTP-Redirect binding's message (``SAMLRequest`` or ``SAMLResponse``), inflated with a bound
    and read by a parser that refuses entities and DTDs, unverified; None when it is not one."""
    try:
        inflater = zlib.decompressobj(-15)
        document = inflater.decompress(
            base64.b64decode(request.GET.get(kind, ""), validate=False), MAX_MESSAGE_BYTES
        )
        if inflater.unconsumed_tail or not document:
            return None
        return ElementTree.fromstring(document, forbid_dtd=True)
    except Exception:  # not base64, not deflated, not XML, entities or a DTD: a refusal, never a 500
        return None


def _issuer(root) -> str:
    element = root.find(SAML_ISSUER)
    return (element.text or "").strip() if element is not None else ""


def _raw_query(request) -> dict[str, str] | None:
    """The query's fields as received (name -> the still URL-encoded value), or None when a field the
    binding signs comes twice (which copy was signed would be a guess)."""
    fields: dict[str, str] = {}
    for piece in request.META.get("QUERY_STRING", "").split("&"):
        name, _sep, value = piece.partition("=")
        name = unquote_plus(name)
        if name in fields and name in ("SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature"):
            return None
        fields[name] = value
    return fields


def _signed_by_idp(request, kind: str) -> bool:
    """Whether the query's Signature (HTTP-Redirect binding) verifies against a signing key of the
    configured provider's metadata: over the exact bytes received (``kind``, RelayState when present,
    SigAlg, as URL-encoded by the sender, whatever its case of percent escapes), and only with RSA and
    SHA-256 or stronger (pysaml2's signer for that algorithm, the key from the metadata's certificate)."""
    fields = _raw_query(request)
    if fields is None or not fields.get(kind) or not fields.get("Signature") or not fields.get("SigAlg"):
        return False
    algorithm = unquote_plus(fields["SigAlg"])
    if algorithm not in SIGNATURE_ALGORITHMS:
        return False
    order = REQ_ORDER if kind == "SAMLRequest" else RESP_ORDER
    signed = "&".join(f"{name}={fields[name]}" for name in order if name in fields)
    try:
        signature = base64.b64decode(unquote_plus(fields["Signature"]), validate=True)
        certificates = _sp_config(request).metadata.certs(
            settings.LOTSA_SAML_IDP_ENTITY_ID, "idpsso", "signing"
        )
        signer = SIGNER_ALGS[algorithm]
        return any(
            signer.verify(signed.encode("ascii"), signature, extract_rsa_key_from_x509_cert(pem_format(cert)))
            for _name, cert in certificates
        )
    except Exception:  # not base64, not ASCII, a broken certificate or signature: not signed by the provider
        return False


def saml_logout_finish(request) -> tuple[bool, str]:
    """The provider's LogoutResponse to the LogoutRequest this browser carried: (True, what to tell the
    person) when it is signed by the provider and answers that request, recorded as the provider's
    confirmation (or its refusal to confirm); else (False, why not), one denial event."""
    sent = request.session.get(SESSION_LOGOUT_SENT, {})
    root = _redirect_message(request, "SAMLResponse")
    if root is None or root.tag != SAMLP + "LogoutResponse":
        return _logout_refused("single logout refused: SAML response", LOGOUT_ANSWER)
    named = root.get("InResponseTo")
    if not named or named not in sent:
        return _logout_refused("single logout refused: state", LOGOUT_ANSWER)
    if _issuer(root) != settings.LOTSA_SAML_IDP_ENTITY_ID:
        return _logout_refused("single logout refused: SAML issuer", LOGOUT_ANSWER)
    if not _signed_by_idp(request, "SAMLResponse"):
        return _logout_refused("single logout refused: SAML signature", LOGOUT_ANSWER)
    try:
        response = _client(request).parse_logout_request_response(
            request.GET["SAMLResponse"], BINDING_HTTP_REDIRECT
        )
        confirmed = response is not None and response.in_response_to == named
    except StatusError:  # signed by the provider, which says it could not log the person out
        response, confirmed = None, False
    except Exception:
        return _logout_refused("single logout refused: SAML response", LOGOUT_ANSWER)
    if response is not None and (response.in_response_to != named or response.issuer() != _issuer(root)):
        return _logout_refused("single logout refused: SAML response", LOGOUT_ANSWER)
    if confirmed:
        status = response.response.status
        confirmed = status is None or status.status_code.value == STATUS_SUCCESS
    entry = sent.pop(named)
    request.session[SESSION_LOGOUT_SENT] = sent
    user = User.objects.filter(pk=entry.get("user")).first() if entry.get("user") else None
    reason = (
        "single logout confirmed by the provider"
        if confirmed
        else "single logout not confirmed by the provider"
    )
    audit.record(action=Action.LOGOUT, actor=user, reason=reason)
    return True, str(LOGOUT_DONE if confirmed else LOGOUT_NOT_CONFIRMED)


def saml_logout_answer(request) -> tuple[str | None, str]:
    """The provider's own LogoutRequest (IdP-initiated): when signed and issued by the configured
    provider, and not seen before, end every Lotsa session made from its NameID and SessionIndex
    (accounts.services.sessions_end_single_logout) and return where to send the signed LogoutResponse;
    else (None, why not), one denial event, nothing ended."""
    root = _redirect_message(request, "SAMLRequest")
    if root is None or root.tag != SAMLP + "LogoutRequest":
        return None, _logout_refused("single logout refused: SAML request", LOGOUT_REQUEST)[1]
    idp = settings.LOTSA_SAML_IDP_ENTITY_ID
    if _issuer(root) != idp:
        return None, _logout_refused("single logout refused: SAML issuer", LOGOUT_REQUEST)[1]
    if not _signed_by_idp(request, "SAMLRequest"):
        return None, _logout_refused("single logout refused: SAML signature", LOGOUT_REQUEST)[1]
    client = _client(request)
    try:
        parsed = client.parse_logout_request(request.GET["SAMLRequest"], BINDING_HTTP_REDIRECT)
        message = parsed.message if parsed is not None else None
    except Exception:  # another destination, a wrong version or issue instant, not a LogoutRequest
        message = None
    if message is None or message.name_id is None or not (message.name_id.text or "").strip():
        return None, _logout_refused("single logout refused: SAML request", LOGOUT_REQUEST)[1]
    now = time.time()
    leeway = settings.LOTSA_SAML_LEEWAY_SECONDS
    try:
        issued = calendar.timegm(str_to_time(message.issue_instant))
        expired = bool(
            message.not_on_or_after and calendar.timegm(str_to_time(message.not_on_or_after)) + leeway < now
        )
    except (TypeError, ValueError):
        issued, expired = None, True
    # pysaml2 takes an IssueInstant up to a day away and NotOnOrAfter is optional: a request is taken
    # only while its id is remembered (so a replay is always caught), and not from the future.
    if expired or not issued - leeway <= now <= issued + REQUEST_LIFETIME_SECONDS + leeway:
        return None, _logout_refused("single logout refused: SAML request expired", LOGOUT_REQUEST)[1]
    until = dt.datetime.fromtimestamp(issued + REQUEST_LIFETIME_SECONDS + leeway + 60, tz=dt.UTC)
    if not replay.answer_use(kind="saml", identifiers=[f"logout-request:{message.id}"], expires_at=until):
        return None, _logout_refused("single logout refused: SAML replay", LOGOUT_REQUEST)[1]
    indexes = [_session_hash(idp, index.text) for index in message.session_index or [] if index.text]
    ended = services.sessions_end_single_logout(
        sso_subject=_subject_hash(idp, message.name_id.text), sso_sessions=indexes
    )
    if request.session.session_key and request.session.session_key in ended:
        request.session.flush()
        request.user = AnonymousUser()
    try:
        answer = client.create_logout_response(
            message, bindings=[BINDING_HTTP_REDIRECT], status=success_status_factory()
        )
        where = client.response_args(message, [BINDING_HTTP_REDIRECT])["destination"]
        info = client.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(answer),
            where,
            request.GET.get("RelayState", ""),
            response=True,
            sign=True,
        )
    except Exception:  # the sessions have ended; the provider is not told (it has no SLO service)
        return None, ""
    return dict(info["headers"]).get("Location") or None, ""
