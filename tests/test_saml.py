"""Single sign-on with SAML 2.0 (Sweden Connect, SITHS), against a real SAML identity provider on
127.0.0.1 (pysaml2's IdP machinery, tests/saml_idp), never a mock of the protocol: Lotsa's pages
through Django's test client, the person's browser at the IdP through a real HTTP client (issue 31,
items 2 and 6).

Every bad answer at the door is refused with a clear Swedish message and one denial event, never a 500.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging

import pytest
import time_machine
from django.core.checks import Error
from django.test import Client
from django.utils import timezone

from accounts import assurance, checks, identities, replay, saml, services
from accounts.models import IdentityLink, OrganisationKind, UsedAssertion
from accounts.roles import Role
from audit import vocabulary
from audit.models import AccessEvent, AccessOutcome, Action
from tests.factories import OrganisationFactory, UserFactory
from tests.helpers import head_seq
from tests.saml_identity_provider import HSA, LOA2, LOA3, LOA4, SP_ENTITY_ID, IdpBrowser

pytestmark = pytest.mark.django_db

START = "/accounts/login/saml/"
ACS = "/accounts/login/saml/acs/"


@pytest.fixture
def people(db):
    unit = OrganisationFactory(name="Rinkeby-Kista")
    system = OrganisationFactory(name="Systemförvaltningen", kind=OrganisationKind.SYSTEM_MANAGEMENT)
    return {
        "worker": UserFactory(
            username="sara", first_name="Sara", organisation=unit, roles=[Role.SOCIAL_WORKER]
        ),
        "supervisor": UserFactory(username="sup", organisation=unit, roles=[Role.SUPERVISOR]),
        "admin": UserFactory(username="admin", organisation=system, roles=[Role.ADMINISTRATOR]),
    }


def link(people, user, value: str, entity_id: str) -> IdentityLink:
    """An administrator asks, the unit's supervisor approves: the only way a link is made."""
    request = identities.identity_link_request(by=people["admin"], user=user, provider=entity_id, value=value)
    services.account_request_decide(by=people["supervisor"], request_id=request.pk, approve=True)
    return IdentityLink.objects.get(user=user)


def begin(client: Client) -> str:
    response = client.post(START)
    assert response.status_code == 302, response.content
    return response["Location"]


def answer(client: Client, *, user: str, level: str = LOA3, **knobs) -> dict:
    """The IdP's answer (the auto-posted form's fields) to a login this client started."""
    action, fields = IdpBrowser().sign_in(begin(client), user=user, level=level, **knobs)
    assert action == "http://testserver" + ACS
    return fields


def log_in(client: Client, *, user: str, level: str = LOA3, **knobs):
    return client.post(ACS, answer(client, user=user, level=level, **knobs))


def refusal(response, reason: str, since: int) -> str:
    """The refusal page's message, after checking the one denial event it made."""
    assert response.status_code == 403, response.content
    denials = AccessEvent.objects.filter(
        id__gt=since, action=Action.LOGIN_FAILURE, outcome=AccessOutcome.DENIED
    )
    assert [event.reason for event in denials] == [reason]
    assert not AccessEvent.objects.filter(id__gt=since, action=Action.LOGIN).exists()
    assert vocabulary.knows("reason", reason)
    return response.context["message"]


def logged_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def linked(people, saml_settings):
    link(people, people["worker"], "198001011234", saml_settings.entity_id)
    return people


def test_a_linked_person_logs_in_and_the_login_event_says_how(linked, saml_settings):
    client = Client()
    since = head_seq()
    response = log_in(client, user="198001011234", level=LOA3)
    assert response.status_code == 302, response.context and response.context["message"]
    assert response["Location"] == "/"
    assert logged_in(client)
    login = AccessEvent.objects.get(id__gt=since, action=Action.LOGIN)
    assert login.actor_id == linked["worker"].pk
    assert login.reason == f"single sign-on (SAML) via {saml_settings.entity_id} at {LOA3}"
    assert "SAML" in str(vocabulary.reason_words(login.reason))
    # The identity link is the session's second factor: removing it ends the session.
    identities.identity_link_remove(
        by=linked["admin"], user=linked["worker"], link_id=IdentityLink.objects.get().pk
    )
    assert not logged_in(client)


def test_an_employee_id_can_be_the_attribute_matched(people, saml_settings, settings):
    settings.LOTSA_SAML_ATTRIBUTE = HSA
    link(people, people["worker"], "SE2321000016-ABCD", saml_settings.entity_id)
    client = Client()
    assert log_in(client, user="SE2321000016-ABCD", attribute=HSA).status_code == 302
    assert logged_in(client)
    # The personal identity number attribute, when the employee id is configured, links nobody.
    since = head_seq()
    response = log_in(Client(), user="SE2321000016-ABCD")
    refusal(response, "single sign-on refused: no linked account", since)


def test_an_unlinked_identity_is_refused_and_never_written(linked, caplog):
    since = head_seq()
    with caplog.at_level(logging.DEBUG):
        response = log_in(Client(), user="191212121212")
    message = refusal(response, "single sign-on refused: no linked account", since)
    assert "inte kopplad" in message
    assert "191212121212" not in caplog.text
    for event in AccessEvent.objects.filter(id__gt=since):
        assert "191212121212" not in f"{event.reason} {event.actor_username} {event.purpose}"


def test_too_low_a_level_is_refused(linked):
    since = head_seq()
    message = refusal(
        log_in(Client(), user="198001011234", level=LOA2), "single sign-on refused: assurance too low", since
    )
    assert LOA2 in message and LOA3 in message and "för låg" in message


def test_the_floors_are_the_protocol_neutral_rule(people, saml_settings, settings):
    """One rule for both protocols (accounts.assurance): a guarded role not named needs the highest."""
    order, floors = settings.LOTSA_SAML_LOA_ORDER, settings.LOTSA_SAML_ROLE_ASSURANCE
    assert assurance.assurance_short(people["worker"], LOA3, order=order, floors=floors) == []
    assert assurance.assurance_short(people["supervisor"], LOA3, order=order, floors=floors) == [
        ("supervisor", LOA4)
    ]
    assert assurance.assurance_short(people["supervisor"], LOA4, order=order, floors=floors) == []
    assert assurance.assurance_short(people["worker"], "urn:unknown", order=order, floors=floors) == [
        ("social_worker", LOA3)
    ]


@pytest.mark.parametrize(
    ("knobs", "reason"),
    [
        ({"signing": "none"}, "single sign-on refused: SAML signature"),
        ({"signing": "foreign"}, "single sign-on refused: SAML signature"),
    ],
    ids=["unsigned", "signed with a foreign key"],
)
def test_a_bad_assertion_is_refused(linked, knobs, reason):
    client = Client()
    since = head_seq()
    message = refusal(log_in(client, user="198001011234", **knobs), reason, since)
    assert "igen" in message
    assert not logged_in(client)


def test_an_assertion_for_another_service_is_refused(linked, settings):
    """Signed by the IdP, for the SP entity id the login was started as; Lotsa is now another service
    (as another federation member's SP would be): its audience is not Lotsa's."""
    client = Client()
    fields = answer(client, user="198001011234", level=LOA3)
    settings.LOTSA_SAML_SP_ENTITY_ID = "https://another-service.example/sp"
    since = head_seq()
    response = client.post(ACS, fields)
    assert response.status_code == 403 and not logged_in(client)
    reasons = list(
        AccessEvent.objects.filter(id__gt=since, action=Action.LOGIN_FAILURE).values_list("reason", flat=True)
    )
    assert reasons in (
        ["single sign-on refused: SAML audience"],
        ["single sign-on refused: SAML issuer or audience"],
    )


def test_an_expired_assertion_is_refused(linked):
    client = Client()
    fields = answer(client, user="198001011234", lifetime="1")  # valid for a minute
    since = head_seq()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        message = refusal(client.post(ACS, fields), "single sign-on refused: SAML assertion expired", since)
    assert "igen" in message
    assert not logged_in(client)


def test_a_replayed_answer_is_refused(linked):
    client = Client()
    fields = answer(client, user="198001011234")
    assert client.post(ACS, fields).status_code == 302
    since = head_seq()
    refusal(client.post(ACS, fields), "single sign-on refused: SAML replay", since)
    # In another browser it answers no login started there.
    since = head_seq()
    refusal(Client().post(ACS, {**fields, "again": "1"}), "single sign-on refused: state", since)


def test_an_answer_to_a_login_another_browser_started_is_refused(linked):
    victim, attacker = Client(), Client()
    begin(attacker)
    fields = answer(victim, user="198001011234")
    since = head_seq()
    refusal(attacker.post(ACS, fields), "single sign-on refused: state", since)
    assert not logged_in(attacker)


@pytest.mark.parametrize(
    "fields",
    [{}, {"SAMLResponse": "not base64 at all"}, {"SAMLResponse": base64.b64encode(b"<not-saml/>").decode()}],
    ids=["none", "garbage", "not SAML"],
)
def test_a_malformed_answer_is_refused_not_a_500(linked, fields):
    client = Client()
    begin(client)
    since = head_seq()
    refusal(client.post(ACS, fields), "single sign-on refused: SAML response", since)


def test_a_browser_without_its_session_cookie_posts_the_answer_once_more(linked):
    client = Client()
    fields = answer(client, user="198001011234")
    cookieless = Client()
    since = head_seq()
    page = cookieless.post(ACS, fields)
    assert page.status_code == 200
    assert b'name="again"' in page.content and b"saml_continue.js" in page.content
    assert not AccessEvent.objects.filter(id__gt=since).exists()
    assert client.post(ACS, {**fields, "again": "1"}).status_code == 302


def test_the_login_page_offers_the_idp_and_its_form_may_lead_there(linked, saml_settings):
    page = Client().get("/accounts/login/")
    assert "Logga in med Sweden Connect" in page.content.decode()
    policy = page.headers["Content-Security-Policy"]
    assert saml_settings.base in policy.split("form-action")[1].split(";")[0]


def test_the_sp_metadata(saml_settings):
    response = Client().get("/accounts/saml/metadata/")
    assert response.status_code == 200
    xml = response.content.decode()
    assert SP_ENTITY_ID in xml and "http://testserver" + ACS in xml and "X509Certificate" in xml
    assert 'AuthnRequestsSigned="true"' in xml and 'WantAssertionsSigned="true"' in xml


def test_not_configured_the_endpoints_are_not_there(db, settings):
    settings.LOTSA_SAML_IDP_ENTITY_ID = ""
    assert not saml.saml_configured()
    client = Client()
    assert client.get("/accounts/saml/metadata/").status_code == 404
    assert client.post(START).status_code == 404
    assert client.post(ACS, {"SAMLResponse": "x"}).status_code == 404
    assert "Sweden Connect" not in client.get("/accounts/login/").content.decode()


def test_the_deploy_check_takes_a_saml_provider_as_configured(db, saml_settings, settings):
    settings.LOTSA_PRODUCTION = True
    settings.LOTSA_SINGLE_SIGN_ON = True
    settings.LOTSA_OIDC_ISSUER = ""
    ids = [problem.id for problem in checks.local_login_only_where_it_must_be(None)]
    assert "lotsa.E032" not in ids
    settings.LOTSA_SAML_IDP_METADATA_FILE = ""
    problems = checks.local_login_only_where_it_must_be(None)
    assert any(isinstance(problem, Error) and problem.id == "lotsa.E032" for problem in problems)


def test_broken_metadata_is_refused_in_words_not_a_500(linked, settings, tmp_path):
    broken = tmp_path / "idp.xml"
    broken.write_text("<md:EntityDescriptor this is not metadata")
    settings.LOTSA_SAML_IDP_METADATA_FILE = str(broken)
    saml.forget_provider()
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    since = head_seq()
    refusal(client.post(START), "single sign-on refused: provider unreachable", since)


def test_a_login_the_provider_did_not_prove_anew_is_refused(linked, settings):
    """Lotsa asks for ForceAuthn and checks the AuthnInstant against LOTSA_SSO_MAX_AGE_SECONDS: the
    provider's own open session does not undo Lotsa's idle timeout."""
    client = Client()
    fields = answer(client, user="198001011234", level=LOA3)
    settings.LOTSA_SSO_MAX_AGE_SECONDS = -3600  # as if the person had been proved an hour before
    since = head_seq()
    refusal(client.post(ACS, fields), "single sign-on refused: login not fresh", since)


def test_an_answer_issued_by_another_entity_than_the_configured_idp_is_refused(linked, settings):
    """pysaml2 checks a signature against whichever entity of the metadata the answer names as its
    issuer: Lotsa takes only the configured IdP's (here the IdP signs as itself, and Lotsa is told to
    trust another entity id)."""
    client = Client()
    fields = answer(client, user="198001011234", level=LOA3)
    settings.LOTSA_SAML_IDP_ENTITY_ID = "https://another.idp.example.se/idp"
    since = head_seq()
    refusal(client.post(ACS, fields), "single sign-on refused: SAML issuer or audience", since)


def test_pysaml2_writes_nothing_to_the_log_even_when_it_fails(linked, caplog):
    """Its error records carry whole documents (a personal identity number among them)."""
    caplog.set_level("DEBUG")
    for knobs in ({"signing": "none"}, {"signing": "foreign"}, {"lifetime": -60}):
        log_in(Client(), user="198001011234", level=LOA3, **knobs)
    assert not [record for record in caplog.records if record.name.startswith(("saml2", "xmlschema"))]
    assert "198001011234" not in caplog.text


def test_an_answer_is_accepted_once_in_the_whole_installation(linked):
    """The used-answer table is installation-wide: an answer copied into another browser whose session
    waits for the same request (a copied session) is refused there, one denial, no login."""
    first = Client()
    fields = answer(first, user="198001011234")
    waiting = dict(first.session[saml.SESSION_REQUESTS])
    assert first.post(ACS, fields).status_code == 302
    assert UsedAssertion.objects.count() == 2  # the Response's ID and the Assertion's
    other = Client()
    begin(other)
    session = other.session
    session[saml.SESSION_REQUESTS] = waiting
    session.save()
    since = head_seq()
    refusal(other.post(ACS, fields), "single sign-on refused: SAML replay", since)
    assert not logged_in(other)


def test_used_answers_are_kept_until_they_could_not_be_accepted_and_then_pruned(db):
    now = timezone.now()
    later = now + dt.timedelta(minutes=5)
    assert replay.answer_use(kind="saml", identifiers=["a", "b"], expires_at=later, now=now)
    assert not replay.answer_use(kind="saml", identifiers=["c", "b"], expires_at=later, now=now)
    assert UsedAssertion.objects.count() == 2  # nothing of the refused answer was kept
    assert replay.answer_use(kind="oidc", identifiers=["a"], expires_at=later, now=now)  # kinds apart
    assert replay.answer_use(
        kind="saml", identifiers=["d"], expires_at=later, now=later + dt.timedelta(seconds=1)
    )
    assert UsedAssertion.objects.count() == 1  # the expired were pruned


def test_an_answer_to_no_request_of_this_session_never_reaches_the_signature_check(linked, monkeypatch):
    victim, attacker = Client(), Client()
    begin(attacker)
    fields = answer(victim, user="198001011234")
    assert victim.post(ACS, fields).status_code == 302

    def no_pysaml2(request):
        raise AssertionError("pysaml2 (and xmlsec1) reached")

    monkeypatch.setattr(saml, "_client", no_pysaml2)
    since = head_seq()
    refusal(attacker.post(ACS, fields), "single sign-on refused: state", since)
    since = head_seq()
    refusal(victim.post(ACS, fields), "single sign-on refused: SAML replay", since)
