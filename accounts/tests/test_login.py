"""Two-factor login, lockout, session limits, and their audit events."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.contrib.sessions.models import Session
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.roles import Role
from audit.models import AccessEvent, AccessOutcome, Action
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory
from tests.helpers import current_code, events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db


def password_step(client, user, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": user.username, "password": password})


def test_password_alone_does_not_log_in(client):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    response = password_step(client, user)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:second_factor")
    assert client.get(reverse("home")).status_code == 302  # still not logged in
    assert "_auth_user_id" not in client.session


def test_login_with_the_second_factor_reaches_the_start_page_and_is_audited(client):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    start = head_seq()
    password_step(client, user)
    response = client.post(reverse("accounts:second_factor"), {"token": current_code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert page["Cache-Control"].count("no-store") == 1
    login = events_since(start).get(action=Action.LOGIN)
    assert login.actor_id == user.pk and login.outcome == AccessOutcome.ALLOWED


def test_a_wrong_code_is_refused_and_audited(client):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    start = head_seq()
    password_step(client, user)
    response = client.post(reverse("accounts:second_factor"), {"token": current_code(device, offset_steps=5)})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    failure = events_since(start).get(action=Action.LOGIN_FAILURE)
    assert failure.outcome == AccessOutcome.DENIED and failure.actor_username == user.username


def test_malformed_code_gets_a_message_and_changes_nothing(client):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    password_step(client, user)
    response = client.post(reverse("accounts:second_factor"), {"token": "abc"})
    assert response.status_code == 200
    assert "sex siffror" in response.content.decode()  # Swedish by default
    assert "_auth_user_id" not in client.session


def test_first_login_enrols_an_authenticator(client):
    user = UserFactory()
    response = password_step(client, user)
    assert response["Location"] == reverse("accounts:enrol")
    page = client.get(reverse("accounts:enrol"))
    assert page.status_code == 200 and b"data:image/svg+xml" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    start = head_seq()
    response = client.post(reverse("accounts:enrol"), {"token": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    actions = set(events_since(start).values_list("action", flat=True))
    assert {Action.SECOND_FACTOR_ENROLLED, Action.LOGIN} <= actions


def test_wrong_password_is_audited(client):
    user = UserFactory()
    start = head_seq()
    response = password_step(client, user, password="wrong password!")
    assert response.status_code == 200
    assert "Fel användarnamn eller lösenord" in response.content.decode()
    assert events_since(start).filter(action=Action.LOGIN_FAILURE, actor_username=user.username).exists()


def test_repeated_failures_lock_the_account_and_are_audited(client, settings):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    start = head_seq()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_step(client, user, password="wrong password!")
    response = password_step(client, user)  # even the right password is refused now
    assert response.status_code == 403
    assert "låst" in response.content.decode()
    assert events_since(start).filter(action=Action.LOCKOUT).exists()
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    services.user_unlock(by=admin, user=user)
    assert password_step(client, user).status_code == 302


def test_passwords_are_hashed_with_argon2():
    user = UserFactory()
    assert identify_hasher(user.password).algorithm == "argon2"


def test_idle_timeout_ends_the_session(client, settings):
    user = UserFactory()
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        login_verified(client, user)
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(settings.LOTSA_IDLE_TIMEOUT - dt.timedelta(seconds=30))
        assert client.get(reverse("home")).status_code == 200  # activity keeps it alive
        traveller.shift(settings.LOTSA_IDLE_TIMEOUT + dt.timedelta(seconds=1))
        start = head_seq()
        response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    event = events_since(start).get(action=Action.SESSION_EXPIRED)
    assert event.reason == "idle timeout"


def test_last_seen_is_written_once_a_minute_and_the_timeout_is_never_late(client, settings):
    """Pages within a minute do not write the session; the idle timeout counts from the last write,
    so it ends a session at most a minute early, never late."""
    from accounts.services import SESSION_LAST_SEEN

    user = UserFactory()
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        login_verified(client, user)
        client.get(reverse("home"))
        written = client.session[SESSION_LAST_SEEN]
        traveller.shift(dt.timedelta(seconds=59))
        client.get(reverse("home"))
        assert client.session[SESSION_LAST_SEEN] == written
        traveller.shift(dt.timedelta(seconds=2))
        client.get(reverse("home"))
        assert client.session[SESSION_LAST_SEEN] == written + 61
        traveller.shift(dt.timedelta(seconds=30))
        client.get(reverse("home"))  # within the minute: not written
        traveller.shift(settings.LOTSA_IDLE_TIMEOUT - dt.timedelta(seconds=29))
        response = client.get(reverse("home"))  # idle 15 min since the last write, 14:31 since the page
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_absolute_lifetime_ends_even_an_active_session(client, settings):
    user = UserFactory()
    with time_machine.travel(dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC), tick=False) as traveller:
        login_verified(client, user)
        elapsed = dt.timedelta(0)
        while elapsed < settings.LOTSA_SESSION_LIFETIME:
            assert client.get(reverse("home")).status_code == 200
            traveller.shift(dt.timedelta(minutes=10))
            elapsed += dt.timedelta(minutes=10)
        traveller.shift(dt.timedelta(seconds=1))
        response = client.get(reverse("home"))
    assert response.status_code == 302


def test_disabling_an_account_ends_its_sessions_at_once(client):
    user = UserFactory()
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    login_verified(client, user)
    services.UserSession.objects.create(user=user, session_key=client.session.session_key)
    assert client.get(reverse("home")).status_code == 200
    start = head_seq()
    services.user_update(
        by=admin,
        user=user,
        first_name="A",
        last_name="B",
        email="",
        organisation=user.organisation,
        roles={Role.SOCIAL_WORKER},
        is_active=False,
    )
    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    assert client.get(reverse("home")).status_code == 302
    assert events_since(start).filter(action=Action.ACCOUNT_DISABLED, target_id=str(user.pk)).exists()


def test_a_session_without_a_verified_second_factor_is_not_a_login(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_logout_is_post_only_and_audited(client):
    user = UserFactory()
    login_verified(client, user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    start = head_seq()
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert events_since(start).filter(action=Action.LOGOUT, actor_id=user.pk).exists()
    assert client.get(reverse("home")).status_code == 302


def test_the_next_parameter_cannot_send_users_elsewhere(client):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": user.username, "password": PASSWORD},
    )
    response = client.post(reverse("accounts:second_factor"), {"token": current_code(device)})
    assert response["Location"] == reverse("home")


def test_the_login_page_is_swedish_with_english_selectable(client):
    page = client.get(reverse("accounts:login"))
    assert 'lang="sv"' in page.content.decode() and "Logga in" in page.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("accounts:login"))
    assert 'lang="en"' in page.content.decode() and "Log in to Lotsa" in page.content.decode()


def test_no_access_events_hold_passwords(client):
    user = UserFactory()
    password_step(client, user, password="Secret-Marker-42!")
    assert not AccessEvent.objects.filter(reason__contains="Secret-Marker").exists()
    assert not AccessEvent.objects.filter(actor_username__contains="Secret-Marker").exists()


def test_one_users_failures_do_not_lock_a_colleague_at_the_same_address(client, settings):
    """A district's staff share one outgoing address: the lockout is by username and address."""
    typist, colleague = UserFactory(), UserFactory()
    TOTPDeviceFactory(user=typist)
    TOTPDeviceFactory(user=colleague)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_step(client, typist, password="wrong password!")
    assert password_step(client, typist).status_code == 403  # the typist is locked
    assert password_step(client, colleague).status_code == 302  # the colleague logs in


def test_many_failures_from_one_address_over_many_usernames_lock_the_address(client, settings):
    """Guessing across accounts: the address's own, higher limit locks it, for every username, and
    the lockout is in the access log."""
    settings.LOTSA_LOCKOUT_ADDRESS_FAILURES = 12
    colleague = UserFactory()
    TOTPDeviceFactory(user=colleague)
    start = head_seq()
    for n in range(12):
        client.post(reverse("accounts:login"), {"username": f"guess{n}", "password": "wrong password!"})
    response = password_step(client, colleague)
    assert response.status_code == 403 and "låst" in response.content.decode()
    assert events_since(start).filter(action=Action.LOCKOUT, reason__contains="address").exists()
    from django.core.management import call_command

    call_command("axes_reset_ip", "127.0.0.1")
    assert password_step(client, colleague).status_code == 302
