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

Single logout (SLO) is not done: logging out ends Lotsa's session only. ForceAuthn and the AuthnInstant
check keep the IdP's own session from logging anyone into Lotsa again (docs/operations.md).
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import time
from pathlib import Path
from urllib.parse import urlsplit

from defusedxml import ElementTree
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.response import IncorrectlySigned, StatusError, UnsolicitedResponse
from saml2.saml import NAMEID_FORMAT_TRANSIENT, AuthnContextClassRef
from saml2.samlp import RequestedAuthnContext
from saml2.sigver import SignatureError
from saml2.time_util import str_to_time
from saml2.validate import ResponseLifetimeExceed, ToEarly

from accounts import assurance, identities, installation, replay, services
from accounts.models import User
from accounts.oidc import MESSAGES, START_AGAIN, Outcome, _refused
from accounts.roles import Role

METHOD = "single sign-on (SAML)"
SESSION_REQUESTS = "lotsa_saml_requests"  # request id -> when it was sent
SESSION_ANSWERED = "lotsa_saml_answered"  # request ids already answered
KEEP_REQUESTS = 5
REQUEST_LIFETIME_SECONDS = 15 * 60

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
        "endpoints": {"assertion_consumer_service": [(acs, BINDING_HTTP_POST)]},
        "allow_unsolicited": False,
        "authn_requests_signed": True,
        "want_assertions_signed": True,
        # The Response too (Sweden Connect signs both): an encrypted assertion inside an unsigned
        # Response is otherwise taken as verified by pysaml2's decryption path.
        "want_response_signed": True,
        "name_id_format": NAMEID_FORMAT_TRANSIENT,
        "idp": [settings.LOTSA_SAML_IDP_ENTITY_ID],
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
    services.user_complete_login(request=request, user=user, how=how, device=link)
    return Outcome(user=user)
