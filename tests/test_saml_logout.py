"""SAML single logout (issue 31, item 1: "logout ends the local session and, where the provider supports
it, the provider's"), against the real SAML identity provider on 127.0.0.1 (tests/saml_idp: pysaml2's
IdP machinery with a SingleLogoutService and sessions of its own), never a mock of the protocol.

SP-initiated: Lotsa's session ends (and is recorded) before the browser goes to the IdP, whose session
then ends too. IdP-initiated: the IdP's signed LogoutRequest ends every Lotsa session made from that
login. Every unsigned, foreign-signed, tampered, replayed or unknown message is refused with one denial
event and a clear message, never a 500.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import zlib
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone, translation

from accounts import saml
from accounts.models import UserSession
from audit import vocabulary
from audit.models import AccessEvent, AccessOutcome, Action
from tests.factories import OrganisationFactory, UserFactory
from tests.helpers import head_seq, login_verified
from tests.saml_identity_provider import LOA3, SP_ENTITY_ID, IdpBrowser
from tests.test_saml import begin, link, people  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

ACS = "/accounts/login/saml/acs/"
SLO = "/accounts/saml/slo/"
LOGOUT = "/accounts/logout/"
PNR = "198001011234"


@pytest.fixture
def linked(people, saml_settings):  # noqa: F811 (the fixture from tests.test_saml)
    link(people, people["worker"], PNR, saml_settings.entity_id)
    return people


def log_in(client: Client, idp: IdpBrowser, user: str = PNR) -> None:
    action, fields = idp.sign_in(begin(client), user=user, level=LOA3)
    assert action == "http://testserver" + ACS
    assert client.post(ACS, fields).status_code == 302
    assert logged_in(client)


def logged_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def lotsa(url: str) -> str:
    """The path and query of a URL at Lotsa (the IdP sends the browser to http://testserver/...)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://testserver", url
    return f"{parts.path}?{parts.query}"


def with_query(url: str, **changes) -> str:
    """``url`` with query fields changed (None: removed), as an attacker or a broken IdP would send it."""
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


def words(text) -> str:
    with translation.override(django_settings.LANGUAGE_CODE):
        return str(text)


def shown(client: Client) -> list[str]:
    return [str(message) for message in client.get("/accounts/login/").context["messages"]]


def refused(response, reason: str, since: int) -> str:
    """The refusal page's message, after checking the one denial event it made."""
    assert response.status_code == 403, response.content
    denials = AccessEvent.objects.filter(id__gt=since, outcome=AccessOutcome.DENIED)
    assert [(event.action, event.reason) for event in denials] == [(Action.LOGOUT, reason)]
    assert vocabulary.knows("reason", reason)
    return response.context["message"]


def start_logout(client: Client) -> str:
    """Log out of Lotsa; returns the IdP's single logout URL the browser is sent to."""
    response = client.post(LOGOUT)
    assert response.status_code == 302
    return response["Location"]


# --- SP-initiated ------------------------------------------------------------------------------------


def test_logging_out_ends_lotsa_first_and_then_the_idps_session(linked, saml_settings):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    assert idp.signed_in(saml_settings.base)
    since = head_seq()
    location = start_logout(client)
    assert location.startswith(f"{saml_settings.base}/slo/redirect?SAMLRequest=")
    assert "Signature=" in location and "SigAlg=" in location
    # Lotsa's session has ended and is recorded before the IdP is asked anything.
    logout = AccessEvent.objects.get(id__gt=since, action=Action.LOGOUT)
    assert (logout.actor_id, logout.reason) == (linked["worker"].pk, "user")
    assert not logged_in(client)
    assert not UserSession.objects.filter(user=linked["worker"]).exists()

    back = idp.redirected(location)
    assert back.startswith("http://testserver" + SLO + "?SAMLResponse=")
    assert client.get(lotsa(back))["Location"] == "/accounts/login/"
    assert words(saml.LOGOUT_DONE) in shown(client)
    confirmed = AccessEvent.objects.filter(id__gt=since, action=Action.LOGOUT).last()
    assert (confirmed.actor_id, confirmed.reason) == (
        linked["worker"].pk,
        "single logout confirmed by the provider",
    )
    assert vocabulary.knows("reason", confirmed.reason)
    # The IdP's session is gone: its page asks the person to sign in again.
    assert not idp.signed_in(saml_settings.base)
    # The same answer a second time answers no logout of this browser any more.
    since = head_seq()
    refused(client.get(lotsa(back)), "single logout refused: state", since)


def test_the_logout_forms_page_may_lead_to_the_idps_slo_service(linked, saml_settings):
    """Browsers check a form's redirects against form-action: a SAML session's pages allow the IdP."""
    client = Client()
    log_in(client, IdpBrowser())
    policy = client.get("/").headers["Content-Security-Policy"]
    assert saml_settings.base in policy.split("form-action")[1].split(";")[0]
    local = Client()
    login_verified(local, UserFactory(organisation=OrganisationFactory()))
    policy = local.get("/").headers["Content-Security-Policy"]
    assert saml_settings.base not in policy


def test_an_idp_that_does_not_confirm_is_said_so(linked, saml_settings):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    since = head_seq()
    back = idp.redirected(with_query(start_logout(client), status="fail"))
    assert client.get(lotsa(back))["Location"] == "/accounts/login/"
    assert words(saml.LOGOUT_NOT_CONFIRMED) in shown(client)
    assert not logged_in(client)
    reasons = list(AccessEvent.objects.filter(id__gt=since).values_list("reason", flat=True))
    assert reasons[-1] == "single logout not confirmed by the provider"


def test_without_an_slo_service_the_logout_is_local(linked, saml_settings, settings, tmp_path):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    metadata = (saml_settings.folder / "idp-fetched.xml").read_text()
    without = re.sub(r"<[\w:]*SingleLogoutService[^>]*/>", "", metadata)
    assert without != metadata
    (tmp_path / "idp.xml").write_text(without)
    settings.LOTSA_SAML_IDP_METADATA_FILE = str(tmp_path / "idp.xml")
    saml.forget_provider()
    assert start_logout(client) == "/accounts/login/"
    assert not logged_in(client)
    assert idp.signed_in(saml_settings.base)  # the IdP was not asked (documented in docs/operations.md)


def test_a_local_login_logs_out_locally(db, saml_settings):
    client = Client()
    login_verified(client, UserFactory(organisation=OrganisationFactory()))
    assert start_logout(client) == "/accounts/login/"


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ({"Signature": None, "SigAlg": None}, "single logout refused: SAML signature"),
        ({"signing": "none"}, "single logout refused: SAML signature"),
        ({"signing": "foreign"}, "single logout refused: SAML signature"),
        ("flip", "single logout refused: SAML signature"),
        ({"SAMLResponse": "not a SAML message"}, "single logout refused: SAML response"),
    ],
    ids=["signature removed", "unsigned by the IdP", "signed with a foreign key", "tampered", "garbage"],
)
def test_a_bad_logout_response_is_refused(linked, saml_settings, tamper, reason):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    location = start_logout(client)
    if isinstance(tamper, dict) and "signing" in tamper:
        back = idp.redirected(with_query(location, **tamper))
    else:
        back = idp.redirected(location)
        if tamper == "flip":
            signature = parse_qs(urlsplit(back).query)["Signature"][0]
            back = with_query(back, Signature=("A" if signature[0] != "A" else "B") + signature[1:])
        else:
            back = with_query(back, **tamper)
    since = head_seq()
    message = refused(client.get(lotsa(back)), reason, since)
    assert message == words(saml.LOGOUT_ANSWER)
    assert not logged_in(client)  # Lotsa's own logout stands whatever the IdP answers


def test_an_answer_to_a_logout_another_browser_started_is_refused(linked, saml_settings):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    back = idp.redirected(start_logout(client))
    since = head_seq()
    refused(Client().get(lotsa(back) + "&again=1"), "single logout refused: state", since)


# --- IdP-initiated -----------------------------------------------------------------------------------


def idp_logout(idp: IdpBrowser, base: str, **knobs) -> str:
    """The IdP starts a logout of this browser's IdP session: the LogoutRequest's URL at Lotsa."""
    url = f"{base}/slo/initiate" + (f"?{urlencode(knobs)}" if knobs else "")
    location = idp.redirected(url)
    assert location.startswith("http://testserver" + SLO + "?SAMLRequest="), location
    return location


def test_an_idp_initiated_logout_ends_the_lotsa_sessions_of_that_login(linked, saml_settings):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    other, other_idp = Client(), IdpBrowser()  # another login of the same person: another NameID
    log_in(other, other_idp)
    since = head_seq()
    request = idp_logout(idp, saml_settings.base)
    response = client.get(lotsa(request))
    assert response.status_code == 302
    answer = response["Location"]
    assert answer.startswith(f"{saml_settings.base}/slo/redirect?SAMLResponse=")
    assert "Signature=" in answer
    assert not logged_in(client)  # the next page asks for a login
    assert client.get("/").url.startswith("/accounts/login/")
    assert logged_in(other)  # a login the IdP did not end goes on
    event = AccessEvent.objects.get(id__gt=since, action=Action.LOGOUT)
    assert (event.actor_id, event.reason, event.outcome) == (
        linked["worker"].pk,
        "single logout by the provider",
        AccessOutcome.ALLOWED,
    )
    # The IdP takes Lotsa's signed answer.
    page = idp.http.get(answer, timeout=10)
    assert page.status_code == 200 and "Signed out of the service" in page.text


def test_an_idp_initiated_logout_ends_the_session_even_from_another_browser(linked, saml_settings):
    """The IdP's redirect may come without Lotsa's cookie (SameSite=Strict): the session is found by
    the login's NameID and SessionIndex (keyed hashes), not by the browser's cookie."""
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    request = idp_logout(idp, saml_settings.base)
    cookieless = Client()
    page = cookieless.get(lotsa(request))
    assert page.status_code == 200 and b"again=1" in page.content  # loads itself once more from Lotsa
    assert logged_in(client)
    assert cookieless.get(lotsa(request) + "&again=1").status_code == 302
    assert not logged_in(client)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ({"Signature": None, "SigAlg": None}, "single logout refused: SAML signature"),
        ({"signing": "none"}, "single logout refused: SAML signature"),
        ({"signing": "foreign"}, "single logout refused: SAML signature"),
        ("flip", "single logout refused: SAML signature"),
        ({"SAMLRequest": "garbage"}, "single logout refused: SAML request"),
        ("issuer", "single logout refused: SAML issuer"),
    ],
    ids=["signature removed", "unsigned", "signed with a foreign key", "tampered", "garbage", "another IdP"],
)
def test_a_bad_logout_request_is_refused_and_ends_nothing(linked, saml_settings, settings, tamper, reason):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    if isinstance(tamper, dict) and "signing" in tamper:
        request = idp_logout(idp, saml_settings.base, **tamper)
    else:
        request = idp_logout(idp, saml_settings.base)
        if tamper == "flip":
            signature = parse_qs(urlsplit(request).query)["Signature"][0]
            request = with_query(request, Signature=("A" if signature[0] != "A" else "B") + signature[1:])
        elif tamper == "issuer":
            settings.LOTSA_SAML_IDP_ENTITY_ID = "https://another.idp.example.se/idp"
        else:
            request = with_query(request, **tamper)
    since = head_seq()
    message = refused(client.get(lotsa(request)), reason, since)
    assert message == words(saml.LOGOUT_REQUEST)
    settings.LOTSA_SAML_IDP_ENTITY_ID = saml_settings.entity_id
    assert logged_in(client)


def test_a_replayed_logout_request_is_refused(linked, saml_settings):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    request = idp_logout(idp, saml_settings.base)
    assert client.get(lotsa(request)).status_code == 302
    log_in(client, IdpBrowser())
    since = head_seq()
    refused(client.get(lotsa(request)), "single logout refused: SAML replay", since)
    assert logged_in(client)


def test_a_logout_request_for_no_open_session_is_answered_and_recorded(linked, saml_settings):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    request = idp_logout(idp, saml_settings.base)
    client.post(LOGOUT)  # Lotsa's session ended already
    since = head_seq()
    assert client.get(lotsa(request))["Location"].startswith(f"{saml_settings.base}/slo/redirect")
    event = AccessEvent.objects.get(id__gt=since)
    assert (event.action, event.reason) == (Action.LOGOUT, "single logout by the provider: no open session")


# --- The service's description and the door ---------------------------------------------------------


def test_the_sp_metadata_advertises_single_logout(saml_settings):
    xml = Client().get("/accounts/saml/metadata/").content.decode()
    assert "SingleLogoutService" in xml and "http://testserver" + SLO in xml and SP_ENTITY_ID in xml


def test_not_configured_the_slo_endpoint_is_not_there(db, settings):
    settings.LOTSA_SAML_IDP_ENTITY_ID = ""
    assert Client().get(SLO, {"SAMLRequest": "x"}).status_code == 404


def test_nothing_at_all_is_refused_not_a_500(linked):
    since = head_seq()
    client = Client()
    client.get("/accounts/login/")  # a session cookie
    refused(client.get(SLO, {"again": "1"}), "single logout refused: SAML response", since)


# --- Algorithms, encodings, lifetimes, hostile messages (review of issue 31) -------------------------

SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


def sigalg(url: str) -> str:
    return parse_qs(urlsplit(url).query)["SigAlg"][0]


def test_lotsa_and_the_idp_sign_with_sha256(linked, saml_settings):
    """Sweden Connect requires SHA-256 or stronger: the AuthnRequest, Lotsa's LogoutRequest and the
    IdP's LogoutResponse are all signed with RSA-SHA256 (pysaml2's own default is RSA-SHA1)."""
    client, idp = Client(), IdpBrowser()
    assert sigalg(begin(client)) == SHA256
    log_in(client, idp)  # the IdP verified the SHA-256 AuthnRequest
    location = start_logout(client)
    assert sigalg(location) == SHA256
    back = idp.redirected(location)  # the IdP verified the SHA-256 LogoutRequest
    assert sigalg(back) == SHA256
    assert client.get(lotsa(back))["Location"] == "/accounts/login/"
    assert words(saml.LOGOUT_DONE) in shown(client)


def test_a_sha1_signed_logout_request_is_refused_and_ends_nothing(linked, saml_settings):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    request = idp_logout(idp, saml_settings.base, sigalg="sha1")
    assert sigalg(request) == SHA1
    since = head_seq()
    message = refused(client.get(lotsa(request)), "single logout refused: SAML signature", since)
    assert message == words(saml.LOGOUT_REQUEST)
    assert logged_in(client)


def test_a_sha1_signed_logout_response_is_refused(linked, saml_settings):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    back = idp.redirected(with_query(start_logout(client), sigalg="sha1"))
    assert sigalg(back) == SHA1
    since = head_seq()
    assert refused(client.get(lotsa(back)), "single logout refused: SAML signature", since) == words(
        saml.LOGOUT_ANSWER
    )


def test_a_query_percent_encoded_in_lower_case_is_verified_over_its_own_bytes(linked, saml_settings):
    """The redirect binding's signature is over the query as the IdP encoded it (ADFS writes %2f):
    Lotsa verifies those bytes, never a re-encoding of its own, also through the cookieless reload."""
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    request = idp_logout(idp, saml_settings.base, encoding="lower")
    assert re.search(r"%[0-9a-f][a-f]", request) and not re.search(r"%[0-9A-F][A-F]", request)
    cookieless = Client()
    page = cookieless.get(lotsa(request))
    assert page.status_code == 200
    again = re.search(r'url=([^"]+)"', page.content.decode()).group(1).replace("&amp;", "&")
    assert again == lotsa(request) + "&again=1"
    assert cookieless.get(again).status_code == 302
    assert not logged_in(client)

    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    back = idp.redirected(with_query(start_logout(client), encoding="lower"))
    assert "%2f" in back or "%3a" in back
    assert client.get(lotsa(back))["Location"] == "/accounts/login/"
    assert words(saml.LOGOUT_DONE) in shown(client)


def test_a_query_changed_in_its_encoding_is_refused(linked, saml_settings):
    """The same fields encoded otherwise than signed are other bytes: refused (a signature is over
    exactly what was sent)."""
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    request = idp_logout(idp, saml_settings.base, encoding="lower")
    upper = re.sub(r"%[0-9a-f]{2}", lambda escape: escape.group(0).upper(), request)
    since = head_seq()
    refused(client.get(lotsa(upper)), "single logout refused: SAML signature", since)
    assert logged_in(client)


def test_a_logout_request_older_than_the_replay_window_is_refused(linked, saml_settings):
    """A replay record lasts as long as a request is taken: after it, the request is too old, not new."""
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    request = idp_logout(idp, saml_settings.base)
    assert client.get(lotsa(request)).status_code == 302
    later = saml.REQUEST_LIFETIME_SECONDS + django_settings.LOTSA_SAML_LEEWAY_SECONDS + 120
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=later)):
        since = head_seq()
        refused(
            Client().get(lotsa(request) + "&again=1"), "single logout refused: SAML request expired", since
        )


def test_a_logout_request_from_the_future_is_refused(linked, saml_settings):
    client, idp = Client(), IdpBrowser()
    log_in(client, idp)
    request = idp_logout(idp, saml_settings.base)
    earlier = django_settings.LOTSA_SAML_LEEWAY_SECONDS + 120
    with time_machine.travel(timezone.now() - dt.timedelta(seconds=earlier)):
        since = head_seq()
        refused(
            Client().get(lotsa(request) + "&again=1"), "single logout refused: SAML request expired", since
        )
    assert logged_in(client)


def test_a_name_id_with_whitespace_around_it_is_found_at_logout(linked, saml_settings):
    """The NameID is normalised in one place for the login and the logout."""
    client, idp = Client(), IdpBrowser()
    _action, fields = idp.sign_in(begin(client), user=PNR, level=LOA3, pad_name_id="1")
    assert client.post(ACS, fields).status_code == 302 and logged_in(client)
    received = client.session[saml.SESSION_LOGOUT]["name_id"]["text"]
    assert received != received.strip()  # kept as received: the LogoutRequest names it so
    request = idp_logout(idp, saml_settings.base)
    assert client.get(lotsa(request)).status_code == 302
    assert not logged_in(client)


def deflated(document: bytes) -> str:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(compressor.compress(document) + compressor.flush()).decode()


LOGOUT_REQUEST_XML = (
    '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x" Version="2.0" '
    'IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>{issuer}</saml:Issuer>'
    "<saml:NameID>&who;</saml:NameID></samlp:LogoutRequest>"
)


@pytest.mark.parametrize(
    "document",
    [
        "bomb",
        "entity",
        "external entity",
    ],
)
def test_a_hostile_logout_message_is_refused_unread(linked, saml_settings, document):
    """A deflate bomb (megabytes from a few kilobytes) or a DTD with entities: one denial, no 500."""
    if document == "bomb":
        body = b"<samlp:LogoutRequest>" + b" " * (20 * 1024 * 1024)
    else:
        declared = (
            '<!ENTITY who "x">' if document == "entity" else '<!ENTITY who SYSTEM "file:///etc/passwd">'
        )
        body = (
            f"<!DOCTYPE samlp:LogoutRequest [{declared}]>"
            + LOGOUT_REQUEST_XML.replace("{issuer}", saml_settings.entity_id)
        ).encode()
    encoded = deflated(body)
    assert len(encoded) < 100_000
    client = Client()
    log_in(client, IdpBrowser())
    for kind, reason in (
        ("SAMLRequest", "single logout refused: SAML request"),
        ("SAMLResponse", "single logout refused: SAML response"),
    ):
        since = head_seq()
        refused(client.get(SLO, {kind: encoded, "SigAlg": SHA256, "Signature": "AAAA"}), reason, since)
    assert logged_in(client)
