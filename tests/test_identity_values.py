"""Identity values at a login provider (accounts.identities) are personal data of the member of staff
(the SAML default attribute is the personal identity number): encrypted at rest under a key of their
row's own, found by a keyed blind index only, shown whole only to the administrator who asked for the
link and its approver, masked to everyone else; the migration converts existing rows both ways."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts import identities, services
from accounts.models import AccountRequest, IdentityLink, OrganisationKind
from accounts.roles import Role
from audit.models import AccessEvent
from lotsa.errors import DomainError
from tests.factories import OrganisationFactory, UserFactory
from tests.helpers import login_verified, migrate_to_latest

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
            assert NUMBER not in text and "••••1234" not in text and "••••" in text, who
        else:
            assert NUMBER in text, who
    services.account_request_decide(by=people["supervisor"], request_id=request.pk, approve=True)
    account_page = reverse("accounts:user_edit", kwargs={"user_id": people["worker"].pk})
    client.logout()
    login_verified(client, people["other_admin"])
    text = client.get(account_page).content.decode()
    assert NUMBER not in text and "••••1234" not in text and "••••" in text
    client.logout()
    login_verified(client, people["admin"])
    assert NUMBER in client.get(account_page).content.decode()
    assert identities.masked("ab") == "••••" and identities.masked("") == ""


@pytest.mark.parametrize("value", [NUMBER, "19770707-1234", "770707-1234", "7707071234", "19770707+1234"])
def test_a_value_that_looks_like_a_personal_number_shows_no_character(value):
    assert identities.masked(value) == identities.MASK


def test_another_value_shows_its_last_four_characters_only():
    assert identities.masked("sara.lind-sub") == "••••-sub"
    assert identities.masked("ab12cd34") == "••••cd34"


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
        migrate_to_latest()  # every app's, not only accounts': going back unapplies what depends on it


def test_the_value_reaches_no_access_event_and_no_log(people, client, caplog):
    """The value is personal data (invariant 4): asking for the link, a refused second request,
    approving, finding it at login and every page that shows it leave it in no access event (reason,
    target, any text), no change-log entry and no log line, whole or in any common spelling."""
    caplog.set_level("DEBUG")
    start = AccessEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    request = _request(people)
    other = UserFactory(username="olle", organisation=people["worker"].organisation, roles=[])
    with pytest.raises(DomainError):
        identities.identity_link_request(by=people["admin"], user=other, provider=ISSUER, value=NUMBER)
    services.account_request_decide(by=people["supervisor"], request_id=request.pk, approve=True)
    assert identities.identity_find(provider=ISSUER, claim="personal_number", value=NUMBER) is not None
    account_page = reverse("accounts:user_edit", kwargs={"user_id": people["worker"].pk})
    for who in ("admin", "supervisor", "other_admin"):
        client.logout()
        login_verified(client, people[who])
        client.get(reverse("accounts:requests"))
        client.get(account_page)

    events = AccessEvent.objects.filter(pk__gt=start)
    assert events.filter(reason__icontains="identity").exists()  # the events are there, without it
    spellings = {NUMBER, NUMBER[2:], f"{NUMBER[:8]}-{NUMBER[8:]}", f"{NUMBER[2:8]}-{NUMBER[8:]}"}
    texts = [str(value) for row in events.values() for value in row.values() if isinstance(value, str)]
    texts += [f"{entry.object_repr} {entry.changes}" for entry in LogEntry.objects.all()]
    texts.append(caplog.text)
    for text in texts:
        assert not any(spelling in text for spelling in spellings), text[:300]
