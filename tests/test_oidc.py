"""Single sign-on with OpenID Connect, against a real OpenID Provider on 127.0.0.1 (panva's
oidc-provider, tests/oidc_provider), never a mock of the protocol: Lotsa's pages through Django's test
client, the person's browser at the provider through a real HTTP client (issue 31, items 1 and 6).

Every bad answer at the door is refused with a clear Swedish message and one denial event, never a 500.
"""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts import identities, oidc, services
from accounts.models import AccountRequestStatus, IdentityLink, OrganisationKind, RequestKind
from accounts.roles import Role
from audit.models import AccessEvent, AccessOutcome, Action
from tests.factories import OrganisationFactory, UserFactory
from tests.helpers import head_seq, login_verified
from tests.identity_provider import ProviderBrowser

pytestmark = pytest.mark.django_db

CALLBACK = "/accounts/login/oidc/callback/"


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


def link(people, user, value: str, issuer: str) -> IdentityLink:
    """An administrator asks, the unit's supervisor approves: the only way a link is made."""
    request = identities.identity_link_request(by=people["admin"], user=user, provider=issuer, value=value)
    services.account_request_decide(by=people["supervisor"], request_id=request.pk, approve=True)
    return IdentityLink.objects.get(user=user)


def begin(client: Client) -> str:
    response = client.post("/accounts/login/oidc/")
    assert response.status_code == 302
    return response["Location"]


def come_back(client: Client, url: str):
    parts = urlsplit(url)
    assert parts.path == CALLBACK
    return client.get(CALLBACK, {key: values[0] for key, values in parse_qs(parts.query).items()})


def log_in(client, provider, *, login: str, acr: str = "substantial"):
    return come_back(client, ProviderBrowser(provider.issuer).sign_in(begin(client), login=login, acr=acr))


def refusal(response, reason: str, since: int) -> str:
    """The refusal page's message, after checking the one denial event it made."""
    assert response.status_code == 403
    denials = AccessEvent.objects.filter(
        id__gt=since, action=Action.LOGIN_FAILURE, outcome=AccessOutcome.DENIED
    )
    assert [event.reason for event in denials] == [reason]
    assert not AccessEvent.objects.filter(id__gt=since, action=Action.LOGIN).exists()
    return response.context["message"]


def logged_in(client) -> bool:
    return client.get("/").status_code == 200


def test_a_linked_person_logs_in_and_the_login_event_says_how(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    since = head_seq()
    response = log_in(client, oidc_settings, login="sara-sub", acr="substantial")
    assert response.status_code == 302, response.context["message"] if response.context else response
    assert response["Location"] == "/"
    assert logged_in(client)
    login = AccessEvent.objects.get(id__gt=since, action=Action.LOGIN)
    assert login.actor_id == people["worker"].pk
    assert login.reason == f"single sign-on (OpenID Connect) via {oidc_settings.issuer} at substantial"
    from audit import vocabulary

    assert "OpenID Connect" in str(vocabulary.reason_words(login.reason))


def test_the_request_waits_for_a_second_person_and_a_login_never_links(people, oidc_settings):
    request = identities.identity_link_request(
        by=people["admin"], user=people["worker"], provider=oidc_settings.issuer, value="sara-sub"
    )
    assert request.kind == RequestKind.IDENTITY_LINK and request.status == AccountRequestStatus.PENDING
    assert [row.user_id for row in request.approver_rows.all()] == [people["supervisor"].pk]
    since = head_seq()
    message = refusal(
        log_in(Client(), oidc_settings, login="sara-sub"), "single sign-on refused: no linked account", since
    )
    assert "inte kopplad" in message
    assert not IdentityLink.objects.exists()
    # The administrator who asked does not approve it (the same rule as a role's).
    with pytest.raises(Exception):  # noqa: B017 (lotsa.access denial, recorded)
        services.account_request_decide(by=people["admin"], request_id=request.pk, approve=True)
    services.account_request_decide(by=people["supervisor"], request_id=request.pk, approve=True)
    assert logged_in_after(oidc_settings, "sara-sub")


def logged_in_after(provider, login: str, acr: str = "substantial") -> bool:
    client = Client()
    log_in(client, provider, login=login, acr=acr)
    return logged_in(client)


def test_an_identity_links_one_account_only(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    other = UserFactory(organisation=people["worker"].organisation, roles=[Role.SOCIAL_WORKER])
    with pytest.raises(Exception, match="redan kopplad"):
        identities.identity_link_request(
            by=people["admin"], user=other, provider=oidc_settings.issuer, value="sara-sub"
        )


def test_an_unknown_subject_is_refused(people, oidc_settings):
    since = head_seq()
    response = log_in(Client(), oidc_settings, login="nobody")
    refusal(response, "single sign-on refused: no linked account", since)
    # The unlinked identity is not written anywhere in the log.
    assert not AccessEvent.objects.filter(id__gt=since, actor_username__contains="nobody").exists()


def test_too_low_an_assurance_level_is_refused_not_a_session_with_fewer_roles(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    since = head_seq()
    message = refusal(
        log_in(client, oidc_settings, login="sara-sub", acr="low"),
        "single sign-on refused: assurance too low",
        since,
    )
    assert "för låg" in message and "substantial" in message
    assert not logged_in(client)


def test_a_guarded_role_without_a_floor_needs_the_highest_level(people, oidc_settings):
    supervisor = people["supervisor"]
    vbe = OrganisationFactory(name="VBE-teamet", kind=OrganisationKind.VBE_TEAM)
    second = UserFactory(organisation=vbe, roles=[Role.ACCESS_APPROVER])  # decides for a supervisor
    request = identities.identity_link_request(
        by=people["admin"], user=supervisor, provider=oidc_settings.issuer, value="sup-sub"
    )
    services.account_request_decide(by=second, request_id=request.pk, approve=True)
    assert not logged_in_after(oidc_settings, "sup-sub", acr="substantial")
    assert logged_in_after(oidc_settings, "sup-sub", acr="high")


def test_a_wrong_state_is_refused(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    back = ProviderBrowser(oidc_settings.issuer).sign_in(begin(client), login="sara-sub")
    query = {key: values[0] for key, values in parse_qs(urlsplit(back).query).items()}
    since = head_seq()
    message = refusal(
        client.get(CALLBACK, {**query, "state": "forged"}), "single sign-on refused: state", since
    )
    assert "Börja om" in message
    assert not logged_in(client)


def test_a_callback_without_the_session_loads_itself_once_more_then_is_refused(people, oidc_settings):
    """A provider on another site brings the browser back without Lotsa's SameSite=Strict cookie."""
    client = Client()
    response = client.get(CALLBACK, {"code": "x", "state": "y"})
    assert response.status_code == 200 and b"again=1" in response.content
    since = head_seq()
    refusal(
        client.get(CALLBACK, {"code": "x", "state": "y", "again": "1"}),
        "single sign-on refused: state",
        since,
    )


def test_a_replayed_code_is_refused(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    back = ProviderBrowser(oidc_settings.issuer).sign_in(begin(client), login="sara-sub")
    assert come_back(client, back).status_code == 302
    client.post("/accounts/logout/")
    # The same answer again: its state was used up with the first login.
    since = head_seq()
    refusal(come_back(client, back), "single sign-on refused: state", since)
    # The old code with the state of a new login started in the same browser: the provider refuses it.
    fresh = parse_qs(urlsplit(begin(client)).query)["state"][0]
    code = parse_qs(urlsplit(back).query)["code"][0]
    since = head_seq()
    response = client.get(CALLBACK, {"code": code, "state": fresh})
    refusal(response, "single sign-on refused: code not accepted by the provider", since)
    assert not logged_in(client)


def test_a_wrong_nonce_is_refused(people, oidc_settings):
    """The id token answers another login than the one this browser started."""
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    back = ProviderBrowser(oidc_settings.issuer).sign_in(begin(client), login="sara-sub")
    state = parse_qs(urlsplit(back).query)["state"][0]
    session = client.session
    key = f"{oidc.STATE_PREFIX}{state}"
    stored = session[key]
    stored["data"]["nonce"] = "another-login"
    session[key] = stored
    session.save()
    since = head_seq()
    refusal(come_back(client, back), "single sign-on refused: nonce", since)


def test_an_expired_id_token_is_refused(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    back = ProviderBrowser(oidc_settings.issuer).sign_in(begin(client), login="sara-sub")
    since = head_seq()
    # Lotsa's clock two hours on: the provider's id token lived one hour.
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        response = come_back(client, back)
    refusal(response, "single sign-on refused: token expired", since)


def test_a_signature_by_a_key_the_provider_does_not_publish_is_refused(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    back = ProviderBrowser(oidc_settings.issuer).sign_in(begin(client), login="sara-sub")
    oidc.forget_provider()
    oidc_settings.publish_foreign_keys(True)
    try:
        since = head_seq()
        refusal(come_back(client, back), "single sign-on refused: signature", since)
    finally:
        oidc_settings.publish_foreign_keys(False)
        oidc.forget_provider()


def test_an_error_from_the_provider_is_refused(people, oidc_settings):
    client = Client()
    state = parse_qs(urlsplit(begin(client)).query)["state"][0]
    since = head_seq()
    response = client.get(CALLBACK, {"error": "access_denied", "state": state})
    refusal(response, "single sign-on refused: the provider answered with an error", since)


def test_a_disabled_account_is_refused(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    people["worker"].is_active = False
    people["worker"].save()
    since = head_seq()
    refusal(
        log_in(Client(), oidc_settings, login="sara-sub"), "single sign-on refused: account disabled", since
    )


def test_logout_ends_the_session_here_and_at_the_provider(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    log_in(client, oidc_settings, login="sara-sub")
    response = client.post("/accounts/logout/")
    assert not logged_in(client)
    end = urlsplit(response["Location"])
    assert f"{end.scheme}://{end.netloc}{end.path}" == f"{oidc_settings.issuer}/session/end"
    query = parse_qs(end.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"][0].count(".") == 2


def test_a_password_login_logs_out_locally_only(people, oidc_settings):
    client = Client()
    login_verified(client, people["worker"])
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"


def test_removing_the_link_ends_its_sessions(people, oidc_settings):
    made = link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    log_in(client, oidc_settings, login="sara-sub")
    assert logged_in(client)
    identities.identity_link_remove(by=people["admin"], user=people["worker"], link_id=made.pk)
    assert not logged_in(client)


def test_the_login_page_offers_the_provider_only_when_configured(people, settings, oidc_settings):
    page = Client().get("/accounts/login/").content.decode()
    assert "Logga in med Stadens e-legitimation" in page and 'name="password"' in page
    settings.LOTSA_OIDC_ISSUER = ""
    assert not oidc.oidc_configured()
    page = Client().get("/accounts/login/").content.decode()
    assert "e-legitimation" not in page
    assert Client().post("/accounts/login/oidc/").status_code == 404


def test_an_unreachable_provider_is_refused(people, settings, oidc_settings):
    settings.LOTSA_OIDC_ISSUER = "http://127.0.0.1:9"
    oidc.forget_provider()
    since = head_seq()
    response = Client().post("/accounts/login/oidc/")
    refusal(response, "single sign-on refused: provider unreachable", since)


def test_administrators_manage_links_on_the_accounts_page(people, oidc_settings):
    admin, worker = Client(), people["worker"]
    login_verified(admin, people["admin"])
    page = admin.get(f"/accounts/admin/users/{worker.pk}/").content.decode()
    assert 'id="identity-links"' in page and "Stadens e-legitimation" in page
    response = admin.post(
        f"/accounts/admin/users/{worker.pk}/links/", {"provider": oidc_settings.issuer, "value": "sara-sub"}
    )
    assert response.status_code == 302
    request = worker.requests.get(kind=RequestKind.IDENTITY_LINK)
    supervisor = Client()
    login_verified(supervisor, people["supervisor"])
    assert "sara-sub" in supervisor.get("/accounts/requests/").content.decode()
    supervisor.post(f"/accounts/requests/{request.pk}/decide/", {"decision": "approve", "note": ""})
    made = IdentityLink.objects.get(user=worker)
    assert (made.provider, made.claim, made.value) == (oidc_settings.issuer, "sub", "sara-sub")
    # A second request for the same identity: a clear message, nothing changed.
    response = admin.post(
        f"/accounts/admin/users/{worker.pk}/links/",
        {"provider": oidc_settings.issuer, "value": "sara-sub"},
        follow=True,
    )
    assert "redan kopplad" in response.content.decode(), (
        response.redirect_chain,
        response.content.decode()[response.content.decode().find("<main") :][:1500],
    )
    response = admin.post(f"/accounts/admin/users/{worker.pk}/links/{made.pk}/remove/")
    assert response.status_code == 302 and not IdentityLink.objects.exists()
    # Only administrators.
    assert (
        supervisor.post(
            f"/accounts/admin/users/{worker.pk}/links/", {"provider": oidc_settings.issuer, "value": "x"}
        ).status_code
        == 403
    )


# --- The session a provider started obeys the same session policy (accounts.middleware) -------------


def test_the_sessions_idle_timeout_and_lifetime_apply(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    log_in(client, oidc_settings, login="sara-sub")
    assert logged_in(client)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert not logged_in(client)
    log_in(client, oidc_settings, login="sara-sub")
    start = timezone.now()
    for minutes in range(10, 11 * 60, 10):  # active all day, never idle: the lifetime still ends it
        with time_machine.travel(start + dt.timedelta(minutes=minutes)):
            if not logged_in(client):
                break
    assert minutes >= 10 * 60
    assert AccessEvent.objects.filter(reason="session lifetime reached").exists()


def test_disabling_the_account_ends_its_provider_session(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    log_in(client, oidc_settings, login="sara-sub")
    people["worker"].refresh_from_db()
    services.user_update(
        by=people["admin"],
        user=people["worker"],
        first_name="Sara",
        last_name="S",
        email="",
        organisation=people["worker"].organisation,
        roles={Role.SOCIAL_WORKER},
        is_active=False,
    )
    assert not logged_in(client)


def test_the_provider_session_is_verified_by_its_link(people, oidc_settings):
    """The second factor is the provider's: the session's django-otp device is the identity link."""
    made = link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    log_in(client, oidc_settings, login="sara-sub")
    assert client.session["otp_device_id"] == made.persistent_id


def test_the_secret_comes_from_the_environment_or_a_file(settings, tmp_path):
    settings.LOTSA_OIDC_ISSUER, settings.LOTSA_OIDC_CLIENT_ID = "https://idp.example", "lotsa"
    settings.LOTSA_OIDC_CLIENT_SECRET, settings.LOTSA_OIDC_CLIENT_SECRET_FILE = "", ""
    assert not oidc.oidc_configured()
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    settings.LOTSA_OIDC_CLIENT_SECRET_FILE = str(secret)
    assert oidc.oidc_configured()


def test_assurance_floors(settings):
    settings.LOTSA_OIDC_ACR_ORDER = ["low", "substantial", "high"]
    settings.LOTSA_OIDC_ROLE_ASSURANCE = {"social_worker": "substantial", "coordinator": "typo"}
    worker = UserFactory(roles=[Role.SOCIAL_WORKER])
    assert oidc.assurance_short(worker, "substantial") == []
    assert oidc.assurance_short(worker, "low") == [("social_worker", "substantial")]
    assert oidc.assurance_short(worker, "") == [("social_worker", "substantial")]
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    assert oidc.assurance_short(coordinator, "high") == [("coordinator", "typo")]  # a floor no level reaches
    supervisor = UserFactory(roles=[Role.SUPERVISOR])
    assert oidc.assurance_short(supervisor, "substantial") == [("supervisor", "high")]
    settings.LOTSA_OIDC_ACR_ORDER = []
    assert oidc.assurance_short(supervisor, "high") == [("supervisor", "?")]
    external = UserFactory(roles=[Role.EXTERNAL_MEMBER])  # reads what consent shares: guarded too
    assert oidc.assurance_short(external, "high") == [("external_member", "?")]
    settings.LOTSA_OIDC_ROLE_ASSURANCE = {}
    assert oidc.assurance_short(coordinator, "") == []  # reads no personal data: no floor unless set


def test_a_reset_login_drops_the_identity_link_too(people, oidc_settings):
    """A reissued login needs its links approved anew: a link made for an account before it was given
    a guarded role does not carry that role's login."""
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    log_in(client, oidc_settings, login="sara-sub")
    assert logged_in(client)
    _code, request = services.user_reset_credentials(by=people["admin"], user=people["worker"])
    if request is not None:  # a guarded role's reset waits for the approver
        services.account_request_decide(by=people["supervisor"], request_id=request.pk, approve=True)
    assert not IdentityLink.objects.filter(user=people["worker"]).exists()
    assert not logged_in(client)
    since = head_seq()
    refusal(
        log_in(Client(), oidc_settings, login="sara-sub"), "single sign-on refused: no linked account", since
    )


def test_a_new_role_ends_the_provider_session_so_the_next_login_checks_its_floor(people, oidc_settings):
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    client = Client()
    log_in(client, oidc_settings, login="sara-sub")
    assert logged_in(client)
    services.user_set_roles(user=people["worker"], roles={Role.SOCIAL_WORKER, Role.COORDINATOR})
    assert not logged_in(client)


def test_a_login_the_provider_did_not_prove_anew_is_refused(people, oidc_settings, monkeypatch):
    """Lotsa asks for a login within LOTSA_SSO_MAX_AGE_SECONDS (max_age) and checks auth_time: the
    provider's own session, left open, does not undo Lotsa's idle timeout."""
    link(people, people["worker"], "sara-sub", oidc_settings.issuer)
    fetch = oidc._fetch_claims

    def stale(request):
        fetched = fetch(request)
        if isinstance(fetched, oidc.Outcome):
            return fetched
        claims, id_token = fetched
        return {**claims, "auth_time": claims["auth_time"] - 3600}, id_token

    monkeypatch.setattr(oidc, "_fetch_claims", stale)
    since = head_seq()
    refusal(
        log_in(Client(), oidc_settings, login="sara-sub"), "single sign-on refused: login not fresh", since
    )


def test_administrators_need_the_highest_level_unless_configured(settings):
    settings.LOTSA_OIDC_ACR_ORDER = ["low", "substantial", "high"]
    settings.LOTSA_OIDC_ROLE_ASSURANCE = {}
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    assert oidc.assurance_short(admin, "substantial") == [("administrator", "high")]
    assert oidc.assurance_short(admin, "high") == []


def test_an_id_tokens_nonce_is_taken_once_in_the_whole_installation(db, settings):
    settings.LOTSA_OIDC_ISSUER = "https://idp.example"
    claims = {"nonce": "n-1", "exp": int(time.time()) + 300}
    assert oidc._first_use(claims)
    assert not oidc._first_use(claims)  # the same id token again, in any session or process
    assert not oidc._first_use({"exp": claims["exp"]})  # no nonce: never taken
