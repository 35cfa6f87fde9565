"""Account administration: bad input changes nothing, and change histories hold no plaintext."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accounts.models import Organisation, OrganisationKind, User
from accounts.roles import Role
from audit.models import Action
from tests.factories import OrganisationFactory, PersonFactory, UserFactory
from tests.fixtures import MARKER
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(
        username="the.admin",
        roles=[Role.ADMINISTRATOR],
        organisation=OrganisationFactory(kind=OrganisationKind.SYSTEM_MANAGEMENT),
    )
    # Someone who can approve what reaches personal data: without one, such a change is refused.
    UserFactory(
        username="the.approver",
        roles=[Role.ACCESS_APPROVER],
        organisation=OrganisationFactory(kind=OrganisationKind.VBE_TEAM),
    )
    login_verified(client, admin)
    client.admin = admin
    return client


def new_user_form(**overrides):
    form = {
        "username": "new.user",
        "first_name": "Ny",
        "last_name": "Användare",
        "email": "ny@example.se",
        "organisation": OrganisationFactory().pk,
        "roles": [Role.SOCIAL_WORKER],
    }
    form.update(overrides)
    return form


def test_an_administrator_creates_a_user_and_it_is_audited(admin_client):
    start = head_seq()
    response = admin_client.post(
        reverse("accounts:user_create"),
        new_user_form(),
        HTTP_X_FORWARDED_FOR="6.6.6.6",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 200  # the page that shows the enrolment code once
    user = User.objects.get(username="new.user")
    assert user.role_codes() == frozenset()  # the social-worker role waits for a supervisor's approval
    assert user.requests.get().roles == [Role.SOCIAL_WORKER]
    assert events_since(start).filter(action=Action.CREATE, target_id=str(user.pk)).exists()
    # django-auditlog's change record names the administrator, and the address it can trust.
    change = LogEntry.objects.get_for_object(user).get()
    assert change.actor == admin_client.admin and change.remote_addr == "10.1.2.3"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"roles": [Role.ADMINISTRATOR, Role.SOCIAL_WORKER]}, "kan inte ha någon annan roll"),
        ({"roles": [Role.COORDINATOR, Role.SOCIAL_WORKER]}, "kan inte också arbeta med ärenden"),
        ({"roles": [Role.ADMINISTRATOR]}, "kan inte ha rollen Administratör"),
        ({"username": "bad user!"}, "Använd bara bokstäver"),
        ({"roles": []}, "Detta fält måste fyllas i"),
    ],
)
def test_bad_input_gets_a_swedish_message_and_changes_nothing(admin_client, overrides, message):
    before = User.objects.count()
    response = admin_client.post(reverse("accounts:user_create"), new_user_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == before


def test_the_security_service_has_no_users(admin_client):
    sapo = OrganisationFactory(name="Säkerhetspolisen", kind=OrganisationKind.SECURITY_SERVICE)
    response = admin_client.post(reverse("accounts:user_create"), new_user_form(organisation=sapo.pk))
    assert "hänvisar personer men har inga användare" in response.content.decode()
    assert not User.objects.filter(username="new.user").exists()


def test_an_administrator_cannot_lock_themselves_out(admin_client):
    admin = admin_client.admin
    form = {
        "first_name": "A",
        "last_name": "B",
        "email": "",
        "organisation": admin.organisation.pk,
        "roles": [Role.ADMINISTRATOR],
    }
    response = admin_client.post(reverse("accounts:user_edit", kwargs={"user_id": admin.pk}), form)
    assert "Du kan inte inaktivera ditt eget konto" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_organisations_are_managed_and_bad_input_is_refused(admin_client):
    response = admin_client.post(reverse("accounts:organisation_create"), {"name": "", "kind": "school"})
    assert response.status_code == 200 and not Organisation.objects.filter(kind="school").exists()
    response = admin_client.post(
        reverse("accounts:organisation_create"),
        {"name": "Tensta gymnasium", "kind": "school", "is_active": "on"},
    )
    assert response.status_code == 302
    assert Organisation.objects.filter(name="Tensta gymnasium").exists()


def test_the_user_list_shows_no_case_content(admin_client):
    PersonFactory(given_names=MARKER)
    response = admin_client.get(reverse("accounts:user_list"))
    assert response.status_code == 200 and MARKER not in response.content.decode()


def test_change_histories_hold_no_plaintext_of_encrypted_fields():
    person = PersonFactory(given_names=MARKER, surname="Efternamnsmarkör")
    person.surname = "Andramarkör"
    person.protected_identity = "secrecy_marking"
    person.save()
    entries = LogEntry.objects.get_for_object(person)
    assert entries.count() == 2  # created; then the change of the (unencrypted) protection level
    assert set(entries.order_by("-timestamp").first().changes_dict) == {"protected_identity"}
    for entry in LogEntry.objects.all():
        text = f"{entry.object_repr} {entry.changes} {entry.changes_text} {entry.serialized_data}"
        for marker in (MARKER, "Efternamnsmarkör", "Andramarkör", "19121212"):
            assert marker not in text


def test_reading_the_account_pages_is_logged(admin_client):
    from audit.models import AccessOutcome

    start = head_seq()
    admin_client.get(reverse("accounts:user_list"))
    admin_client.get(reverse("accounts:organisation_list"))
    events = events_since(start)
    assert events.filter(
        action=Action.LIST, target_type="accounts.user", outcome=AccessOutcome.ALLOWED
    ).exists()
    assert events.filter(action=Action.LIST, target_type="accounts.organisation").exists()
