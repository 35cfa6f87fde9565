"""Passkeys as a second factor (accounts/passkeys.py): adding one, logging in with one, removing one,
and every refusal of a ceremony step a denial event and a JSON answer, never a 500.

The browser and its authenticator are played by ``SoftKey`` (a real ES256 key, real signatures); the
browser test (tests/test_browser_passkey.py) uses Chromium's virtual authenticator."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp_webauthn.models import WebAuthnCredential

from accounts import passkeys, services
from accounts.roles import Role
from accounts.services import SESSION_AUTH_AT, SESSION_LAST_SEEN
from accounts.tests.softkey import SoftKey
from audit.models import AccessOutcome, Action
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db

ADD_BEGIN, ADD_COMPLETE = reverse("accounts:passkey_add_begin"), reverse("accounts:passkey_add_complete")
LOGIN_BEGIN = reverse("accounts:passkey_login_begin")
LOGIN_COMPLETE = reverse("accounts:passkey_login_complete")


def post_json(client, url, data=None):
    body = data if isinstance(data, str | bytes) else json.dumps(data or {})
    return client.post(url, body, content_type="application/json")


def add_passkey(client, user) -> SoftKey:
    """``user`` logs in (code) and adds a passkey through the ceremony, as the page's script does."""
    login_verified(client, user)
    key = SoftKey()
    options = post_json(client, ADD_BEGIN).json()
    response = post_json(client, ADD_COMPLETE, key.register(options))
    assert response.status_code == 200, response.content
    return key


def verified_by(client, credential) -> None:
    """The session's second factor is this passkey (as after logging in with it)."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = credential.persistent_id
    session.save()


def password_step(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:second_factor")


def denial(start, reason: str):
    return events_since(start).filter(outcome=AccessOutcome.DENIED, reason=reason)


def test_a_verified_login_adds_a_passkey_and_it_is_recorded(client):
    user = UserFactory()
    start = head_seq()
    add_passkey(client, user)
    credential = WebAuthnCredential.objects.get(user=user)
    assert credential.confirmed and credential.public_key
    event = events_since(start).get(action=Action.SECOND_FACTOR_ENROLLED)
    assert (event.actor_id, event.reason, event.target_id) == (
        user.pk,
        "passkey registered",
        str(credential.pk),
    )
    page = client.get(reverse("accounts:passkeys"))
    assert page.status_code == 200 and "passkey-register-button" in page.content.decode()
    assert events_since(start).filter(action=Action.LIST, purpose="own passkeys", actor_id=user.pk).exists()


def test_the_options_bind_the_passkey_to_the_host_and_the_person(client):
    user = UserFactory()
    login_verified(client, user)
    options = post_json(client, ADD_BEGIN).json()
    assert options["rp"] == {"name": "Lotsa", "id": "testserver"}
    assert options["user"]["name"] == user.username
    assert (
        options["authenticatorSelection"]["residentKey"] == "preferred"
    )  # a second factor, not passwordless


@pytest.mark.parametrize("url", [ADD_BEGIN, ADD_COMPLETE])
def test_adding_is_refused_without_a_verified_login(client, url):
    start = head_seq()
    response = post_json(client, url)
    assert response.status_code == 403 and response.json()["code"] == "not_authenticated"
    assert denial(start, "passkey without a verified login").filter(action=Action.CREATE).exists()


@pytest.mark.parametrize("url", [ADD_BEGIN, ADD_COMPLETE])
def test_adding_is_refused_to_a_login_that_has_only_its_password(client, url):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    password_step(client, user)
    start = head_seq()
    response = post_json(client, url)
    assert response.status_code == 403
    assert denial(start, "passkey without a verified login").exists()
    assert not WebAuthnCredential.objects.exists()


def test_adding_needs_a_fresh_login(client):
    user = UserFactory()
    login_verified(client, user)
    session = client.session
    session[SESSION_AUTH_AT] = timezone.now().timestamp() - passkeys.FRESH_LOGIN_SECONDS - 5
    session.save()
    start = head_seq()
    response = post_json(client, ADD_BEGIN)
    assert response.status_code == 403 and response.json()["code"] == "login_not_fresh"
    assert "logga in igen" in response.json()["detail"]
    assert denial(start, "passkey needs a fresh login").exists()
    page = client.get(reverse("accounts:passkeys")).content.decode()
    assert "passkey-register-button" not in page


def test_completing_without_a_challenge_or_twice_is_refused(client):
    user = UserFactory()
    login_verified(client, user)
    key = SoftKey()
    start = head_seq()
    response = post_json(client, ADD_COMPLETE, key.register({"challenge": "bm90LWdpdmVu"}))
    assert response.status_code == 400 and response.json()["code"] == "invalid_state"
    assert denial(start, "passkey challenge missing or used").exists()
    answer = key.register(post_json(client, ADD_BEGIN).json())
    assert post_json(client, ADD_COMPLETE, answer).status_code == 200
    assert post_json(client, ADD_COMPLETE, answer).status_code == 400  # the challenge was used
    assert WebAuthnCredential.objects.filter(user=user).count() == 1


def test_an_answer_to_another_challenge_adds_nothing(client):
    user = UserFactory()
    login_verified(client, user)
    post_json(client, ADD_BEGIN)
    start = head_seq()
    response = post_json(client, ADD_COMPLETE, SoftKey().register({"challenge": "b3RoZXItY2hhbGxlbmdl"}))
    assert response.status_code == 422
    assert denial(start, "passkey response not valid").exists()
    assert not WebAuthnCredential.objects.exists()


def test_password_and_passkey_log_in_and_the_event_says_so(client):
    user = UserFactory()
    key = add_passkey(client, user)
    client.logout()
    password_step(client, user)
    page = client.get(reverse("accounts:second_factor")).content.decode()
    assert "passkey-verification-button" in page and 'name="token"' in page  # beside the code
    options = post_json(client, LOGIN_BEGIN).json()
    assert [entry["id"] for entry in options["allowCredentials"]] == [key.assert_(options)["id"]]
    start = head_seq()
    response = post_json(client, LOGIN_COMPLETE, key.assert_(options))
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == reverse("home")
    login = events_since(start).get(action=Action.LOGIN)
    assert (login.actor_id, login.reason) == (user.pk, "password and passkey")
    assert client.get(reverse("home")).status_code == 200
    assert WebAuthnCredential.objects.get(user=user).last_used_at is not None


@pytest.mark.parametrize("url", [LOGIN_BEGIN, LOGIN_COMPLETE])
def test_a_passkey_step_without_a_password_first_is_refused(client, url):
    start = head_seq()
    response = post_json(client, url)
    assert response.status_code == 403 and response.json()["code"] == "no_login_waiting"
    assert denial(start, "passkey without a login waiting").filter(action=Action.LOGIN_FAILURE).exists()
    assert "_auth_user_id" not in client.session


def test_a_wrong_challenge_does_not_log_in(client):
    user = UserFactory()
    key = add_passkey(client, user)
    client.logout()
    password_step(client, user)
    options = post_json(client, LOGIN_BEGIN).json()
    start = head_seq()
    response = post_json(client, LOGIN_COMPLETE, key.assert_(options, challenge="d3JvbmctY2hhbGxlbmdl"))
    assert response.status_code == 422
    event = denial(start, "passkey response not valid").get()
    assert (event.action, event.actor_username) == (Action.LOGIN_FAILURE, user.username)
    assert "_auth_user_id" not in client.session
    # The challenge is spent: the right answer to it comes too late.
    assert post_json(client, LOGIN_COMPLETE, key.assert_(options)).status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_replayed_answer_is_refused(client):
    user = UserFactory()
    key = add_passkey(client, user)
    client.logout()
    password_step(client, user)
    answer = key.assert_(post_json(client, LOGIN_BEGIN).json())
    assert post_json(client, LOGIN_COMPLETE, answer).status_code == 200
    client.logout()
    password_step(client, user)
    post_json(client, LOGIN_BEGIN)  # a new challenge
    start = head_seq()
    assert post_json(client, LOGIN_COMPLETE, answer).status_code == 422
    assert denial(start, "passkey response not valid").exists()
    assert "_auth_user_id" not in client.session


def test_another_persons_passkey_does_not_log_in(client):
    owner, other = UserFactory(), UserFactory()
    key = add_passkey(client, owner)
    client.logout()
    TOTPDeviceFactory(user=other)
    password_step(client, other)
    options = post_json(client, LOGIN_BEGIN).json()
    assert options.get("allowCredentials", []) == []  # the other's passkeys are not offered
    start = head_seq()
    response = post_json(client, LOGIN_COMPLETE, key.assert_(options))
    assert response.status_code == 403 and response.json()["code"] == "credential_user_mismatch"
    assert denial(start, "another person's passkey").filter(actor_username=other.username).exists()
    assert "_auth_user_id" not in client.session


def test_an_unknown_passkey_does_not_log_in(client):
    user = UserFactory()
    add_passkey(client, user)
    client.logout()
    password_step(client, user)
    options = post_json(client, LOGIN_BEGIN).json()
    start = head_seq()
    response = post_json(client, LOGIN_COMPLETE, SoftKey().assert_(options))
    assert response.status_code == 404
    assert denial(start, "unknown passkey").exists()


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '"text"', "5", "{}", '{"id": 5}', '{"id": "x", "rawId": "x", "response": []}'],
)
@pytest.mark.parametrize("url", [LOGIN_COMPLETE, ADD_COMPLETE])
def test_a_malformed_answer_is_refused_never_a_500(client, url, body):
    user = UserFactory()
    add_passkey(client, user)
    if url == LOGIN_COMPLETE:
        client.logout()
        password_step(client, user)
    post_json(client, LOGIN_BEGIN if url == LOGIN_COMPLETE else ADD_BEGIN)
    start = head_seq()
    response = post_json(client, url, body)
    assert 400 <= response.status_code < 500, response.content
    assert "detail" in response.json()
    assert events_since(start).filter(outcome=AccessOutcome.DENIED).exists()
    assert WebAuthnCredential.objects.filter(user=user).count() == 1


def test_a_person_with_a_passkey_and_no_app_is_asked_for_the_passkey_not_enrolment(client):
    user = UserFactory()
    add_passkey(client, user)
    client.logout()
    services.TOTPDevice.objects.filter(user=user).delete()
    password_step(client, user)
    page = client.get(reverse("accounts:second_factor")).content.decode()
    assert "passkey-verification-button" in page and 'name="token"' not in page


def test_removing_a_passkey_is_recorded_and_the_last_second_factor_stays(client):
    user = UserFactory()
    add_passkey(client, user)
    credential = WebAuthnCredential.objects.get(user=user)
    start = head_seq()
    response = client.post(reverse("accounts:passkey_remove", args=[credential.pk]))
    assert response.status_code == 302 and not WebAuthnCredential.objects.filter(user=user).exists()
    event = events_since(start).get(action=Action.DELETE)
    assert (event.outcome, event.purpose, event.reason) == (
        AccessOutcome.ALLOWED,
        "remove a passkey",
        "own passkey",
    )

    add_passkey(client, user)
    services.TOTPDevice.objects.filter(user=user).delete()
    credential = WebAuthnCredential.objects.get(user=user)
    verified_by(client, credential)
    assert "Din enda andra faktor" in client.get(reverse("accounts:passkeys")).content.decode()
    start = head_seq()
    response = client.post(reverse("accounts:passkey_remove", args=[credential.pk]))
    assert response.status_code == 403
    assert denial(start, "the last second factor stays").exists()
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_nobody_removes_another_persons_passkey(client):
    owner, other = UserFactory(), UserFactory()
    add_passkey(client, owner)
    add_passkey(client, owner)
    credential = WebAuthnCredential.objects.filter(user=owner).first()
    login_verified(client, other)
    start = head_seq()
    assert client.post(reverse("accounts:passkey_remove", args=[credential.pk])).status_code == 403
    assert denial(start, "another person's passkey").filter(actor_id=other.pk).exists()
    assert client.post(reverse("accounts:passkey_remove", args=[999999])).status_code == 404
    assert WebAuthnCredential.objects.filter(user=owner).count() == 2


def test_a_reset_login_loses_its_passkeys(client):
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    user = UserFactory(roles=[Role.COORDINATOR])  # not a guarded role: the reset needs no approval
    add_passkey(client, user)
    services.user_reset_credentials(by=admin, user=user)
    assert not WebAuthnCredential.objects.filter(user=user).exists()
    assert not passkeys.has_second_factor(user)


def test_an_idle_session_adds_no_passkey(client):
    """The session policy holds on the ceremony's addresses too: an idle session ends there."""
    user = UserFactory()
    login_verified(client, user)
    session = client.session
    idle = timezone.now().timestamp() - 16 * 60
    session[SESSION_AUTH_AT] = session[SESSION_LAST_SEEN] = idle
    session.save()
    response = post_json(client, ADD_BEGIN)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert "_auth_user_id" not in client.session
