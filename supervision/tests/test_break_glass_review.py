"""Break-glass logins wait at the supervisor's desk (issue 31, item 4): each login an account made with
a password in production is listed for the supervisor of its organisation, or an access approver, until
one of them marks it reviewed (never the account itself); the review is recorded once."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import OrganisationKind
from accounts.roles import Role
from audit import vocabulary
from audit.models import AccessOutcome, Action
from lotsa import waiting
from supervision.models import BreakGlassReview, SignedOff
from tests.factories import PASSWORD, OrganisationFactory, TOTPDeviceFactory, UserFactory
from tests.helpers import current_code, events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    district = OrganisationFactory(name="Distriktet")
    other = OrganisationFactory(name="Annat distrikt")
    vbe = OrganisationFactory(name="VBE", kind=OrganisationKind.VBE_TEAM, district="")
    system = OrganisationFactory(name="System", kind=OrganisationKind.SYSTEM_MANAGEMENT)
    return {
        "worker": UserFactory(username="nod_sw", organisation=district, roles=[Role.SOCIAL_WORKER]),
        "supervisor": UserFactory(username="chef", organisation=district, roles=[Role.SUPERVISOR]),
        "other_supervisor": UserFactory(username="chef_b", organisation=other, roles=[Role.SUPERVISOR]),
        "approver": UserFactory(username="behorig", organisation=vbe, roles=[Role.ACCESS_APPROVER]),
        "admin": UserFactory(username="nod_admin", organisation=system, roles=[Role.ADMINISTRATOR]),
    }


def break_glass_login(client, user):
    """A real break-glass login through the login pages, in production with single sign-on."""
    device = TOTPDeviceFactory(user=user)
    with override_settings(
        LOTSA_PRODUCTION=True, LOTSA_SINGLE_SIGN_ON=True, LOTSA_BREAK_GLASS_ACCOUNTS=["nod_sw", "nod_admin"]
    ):
        start = head_seq()
        client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
        response = client.post(reverse("accounts:second_factor"), {"token": current_code(device)})
        assert response.status_code == 302
    client.post(reverse("accounts:logout"))
    return events_since(start).get(action=Action.LOGIN)


def queue(client, user):
    login_verified(client, user)
    response = client.get(reverse("supervision:break_glass"))
    return response


def test_a_break_glass_login_waits_for_the_account_s_supervisor_and_is_reviewed_once(client, people):
    login = break_glass_login(client, people["worker"])
    supervisor = people["supervisor"]
    assert [item.url for item in waiting.waiting_for(supervisor)].count(
        reverse("supervision:break_glass")
    ) == 1
    page = queue(client, supervisor)
    assert page.status_code == 200 and "nod_sw" in page.content.decode()
    assert [row.pk for row in page.context["waiting"]] == [login.pk]

    start = head_seq()
    response = client.post(reverse("supervision:break_glass_review", kwargs={"login_id": login.pk}))
    assert response.status_code == 302
    review = BreakGlassReview.objects.get(login_id=login.pk)
    assert review.reviewed_by == supervisor
    decided = events_since(start).get(action=Action.DECIDE)
    assert decided.outcome == AccessOutcome.ALLOWED and decided.actor_id == supervisor.pk
    assert decided.target_type == "supervision.breakglasslogin" and decided.target_id == str(login.pk)
    assert vocabulary.knows("reason", decided.reason)
    assert not queue(client, supervisor).context["waiting"]
    assert [pair[0].pk for pair in queue(client, supervisor).context["reviewed"]] == [login.pk]
    assert reverse("supervision:break_glass") not in [item.url for item in waiting.waiting_for(supervisor)]

    # Once only: a second mark is refused (recorded), and the review is kept as it was made.
    start = head_seq()
    client.post(reverse("supervision:break_glass_review", kwargs={"login_id": login.pk}))
    assert events_since(start).filter(action=Action.DECIDE, outcome=AccessOutcome.DENIED).exists()
    assert BreakGlassReview.objects.count() == 1
    with pytest.raises(SignedOff):
        review.save()


def test_an_access_approver_reviews_an_administrator_s_break_glass_login(client, people):
    login = break_glass_login(client, people["admin"])
    assert not queue(client, people["supervisor"]).context["waiting"]  # not the district's account
    page = queue(client, people["approver"])
    assert [row.pk for row in page.context["waiting"]] == [login.pk]
    response = client.post(reverse("supervision:break_glass_review", kwargs={"login_id": login.pk}))
    assert response.status_code == 302 and BreakGlassReview.objects.filter(login_id=login.pk).exists()


def test_no_one_else_reviews_and_no_one_reviews_their_own(client, people):
    login = break_glass_login(client, people["worker"])
    # Another unit's supervisor: not in their queue, and refused when they try.
    assert not queue(client, people["other_supervisor"]).context["waiting"]
    response = client.post(reverse("supervision:break_glass_review", kwargs={"login_id": login.pk}))
    assert response.status_code == 403
    # The account itself, and an administrator, do not reach the queue.
    for who in ("worker", "admin"):
        assert queue(client, people[who]).status_code == 403
    assert not BreakGlassReview.objects.exists()


def test_a_supervisor_s_own_break_glass_login_goes_to_the_others(client, people):
    supervisor = people["supervisor"]
    device = TOTPDeviceFactory(user=supervisor)
    with override_settings(
        LOTSA_PRODUCTION=True, LOTSA_SINGLE_SIGN_ON=True, LOTSA_BREAK_GLASS_ACCOUNTS=["chef"]
    ):
        client.post(reverse("accounts:login"), {"username": "chef", "password": PASSWORD})
        client.post(reverse("accounts:second_factor"), {"token": current_code(device)})
    login = events_since(0).filter(action=Action.LOGIN, actor_id=supervisor.pk).latest("id")
    client.post(reverse("accounts:logout"))
    assert not queue(client, supervisor).context["waiting"]
    start = head_seq()
    assert (
        client.post(reverse("supervision:break_glass_review", kwargs={"login_id": login.pk})).status_code
        == 403
    )
    denied = events_since(start).get(action=Action.DECIDE)
    assert denied.reason == "no one reviews their own break-glass login"
    assert [row.pk for row in queue(client, people["approver"]).context["waiting"]] == [login.pk]


def test_an_ordinary_login_is_not_a_break_glass_login(client, people):
    login_event = break_glass_login(client, people["worker"])
    ordinary = events_since(0).filter(action=Action.LOGIN).exclude(pk=login_event.pk)
    login_verified(client, people["supervisor"])
    some_event = events_since(0).exclude(pk=login_event.pk).first()
    for pk in [some_event.pk, *ordinary.values_list("pk", flat=True)]:
        assert (
            client.post(reverse("supervision:break_glass_review", kwargs={"login_id": pk})).status_code == 404
        )
    assert (
        client.post(reverse("supervision:break_glass_review", kwargs={"login_id": 10**9})).status_code == 404
    )


@pytest.mark.postgres
def test_postgresql_keeps_a_review_as_it_was_made(client, people):
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    login = break_glass_login(client, people["worker"])
    login_verified(client, people["supervisor"])
    client.post(reverse("supervision:break_glass_review", kwargs={"login_id": login.pk}))
    for sql in (
        "UPDATE supervision_breakglassreview SET reviewed_by_id = reviewed_by_id WHERE login_id = %s",
        "DELETE FROM supervision_breakglassreview WHERE login_id = %s",
    ):
        with pytest.raises(Exception, match="refused"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [login.pk])
    assert BreakGlassReview.objects.filter(login_id=login.pk).exists()


@pytest.mark.postgres
def test_the_waiting_break_glass_logins_are_counted_through_the_logins_index(client, people):
    """The desk and the start page count the break-glass logins waiting for a review on every visit: the
    count reads the partial index of the log's logins (audit_event_logins), never the whole log (a
    million events took 70-120 ms a page). Asked with sequential scans off, the plan must name it:
    if the query's conditions or the index change so that it no longer serves, this fails."""
    from django.db import connection, transaction

    from supervision import queries

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    break_glass_login(client, people["worker"])
    sql, params = queries.break_glass_logins_waiting().query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT COUNT(*) FROM ({sql}) waiting", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "audit_event_logins" in plan, plan
    assert queries.break_glass_logins_waiting().count() == 1
