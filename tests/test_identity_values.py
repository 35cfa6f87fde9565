"""Identity values at a login provider (accounts.identities) are personal data of the member of staff
(the SAML default attribute is the personal identity number): encrypted at rest under a key of their
row's own, found by a keyed blind index only, shown whole only to the administrator who asked for the
link and its approver, masked to everyone else; the migration converts existing rows both ways."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts import identities, services
from accounts.models import AccountRequest, IdentityLink, OrganisationKind
from accounts.roles import Role
from lotsa.errors import DomainError
from tests.factories import OrganisationFactory, UserFactory
from tests.helpers import login_verified

ISSUER = "https://idp.stad.example"
NUMBER = "197707071234"  # the marker: a personal identity number as a SAML provider sends it


def make_people(settings) -> dict:
    """An administrator asks, the unit's supervisor approves (the plaintext test uses them too)."""
    settings.LOTSA_OIDC_ISSUER = ISSUER
    settings.LOTSA_OIDC_CLAIM = "personal_number"
    unit = OrganisationFactory(name="Rinkeby-Kista")
    system = OrganisationFactory(name="Systemförvaltningen", kind=OrganisationKind.SYSTEM_MANAGEMENT)
    return {
        "worker": UserFactory(username="sara", organisation=unit, roles=[Role.SOCIAL_WORKER]),
        "supervisor": UserFactory(username="sup", organisation=unit, roles=[Role.SUPERVISOR]),
        "admin": UserFactory(username="admin", organisation=system, roles=[Role.ADMINISTRATOR]),
        "other_admin": UserFactory(username="admin2", organisation=system, roles=[Role.ADMINISTRATOR]),
    }


@pytest.fixture
def people(db, settings):
    return make_people(settings)


def _request(people) -> AccountRequest:
    return identities.identity_link_request(
        by=people["admin"], user=people["worker"], provider=ISSUER, value=NUMBER
    )


def test_the_value_is_whole_to_its_administrator_and_approver_and_masked_to_anyone_else(people, client):
    request = _request(people)
    pages = {
        "admin": reverse("accounts:requests"),
        "supervisor": reverse("accounts:requests"),
        "other_admin": reverse("accounts:requests"),
    }
    for who, page in pages.items():
        client.logout()
        login_verified(client, people[who])
        text = client.get(page).content.decode()
        if who == "other_admin":
            assert NUMBER not in text and "••••1234" in text, who
        else:
            assert NUMBER in text, who
    services.account_request_decide(by=people["supervisor"], request_id=request.pk, approve=True)
    account_page = reverse("accounts:user_edit", kwargs={"user_id": people["worker"].pk})
    client.logout()
    login_verified(client, people["other_admin"])
    text = client.get(account_page).content.decode()
    assert NUMBER not in text and "••••1234" in text
    client.logout()
    login_verified(client, people["admin"])
    assert NUMBER in client.get(account_page).content.decode()
    assert identities.masked("ab") == "••••" and identities.masked("") == ""


def test_a_second_request_for_the_same_identity_is_refused_by_the_blind_index(people):
    _request(people)
    other = UserFactory(username="olle", organisation=people["worker"].organisation, roles=[])
    with pytest.raises(DomainError, match="väntar redan"):
        identities.identity_link_request(by=people["admin"], user=other, provider=ISSUER, value=f" {NUMBER} ")


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_values_and_decrypts_them_back(people):
    executor = MigrationExecutor(connection)
    plain = [("accounts", "0004_identity_links")]
    latest = executor.loader.graph.leaf_nodes("accounts")
    executor.migrate(plain)
    try:
        apps = executor.loader.project_state(plain).apps
        Request = apps.get_model("accounts", "AccountRequest")
        Link = apps.get_model("accounts", "IdentityLink")
        old = Request.objects.create(
            kind="identity_link",
            organisation_id=people["worker"].organisation_id,
            subject_user_id=people["worker"].pk,
            requested_by_id=people["admin"].pk,
            identity_provider=ISSUER,
            identity_claim="personal_number",
            identity_value=NUMBER,
            status="approved",
        )
        Link.objects.create(
            user_id=people["worker"].pk,
            name="single sign-on",
            provider=ISSUER,
            claim="personal_number",
            value=NUMBER,
            request_id=old.pk,
        )
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        link = IdentityLink.objects.get()
        assert link.value == NUMBER and AccountRequest.objects.get(pk=old.pk).identity_value == NUMBER
        assert identities.identity_find(provider=ISSUER, claim="personal_number", value=NUMBER) == link
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM accounts_identitylink")
            assert NUMBER.encode() not in bytes(cursor.fetchone()[0])

        executor = MigrationExecutor(connection)
        executor.migrate(plain)
        apps = executor.loader.project_state(plain).apps
        assert apps.get_model("accounts", "IdentityLink").objects.get().value == NUMBER
        assert apps.get_model("accounts", "AccountRequest").objects.get(pk=old.pk).identity_value == NUMBER
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
