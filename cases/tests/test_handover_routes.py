"""Hand-overs keep who the client is (issue 29, item 4). A relative handed over stays a relative, and
the receiving unit is offered only what fits her (no intervention group around her). Moving district
and coming back to the district after the defector programme or the treatment unit have purposes of
their own, each sent under a consent for it that names the receiving unit, each between the units it
is for, each setting the receiving case's activity (cases.handovers.models.ROUTES). An accepted
hand-over never closes the sending case: its handler is asked to propose closing it, and the unit's
supervisor decides, as for every closing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.models import OrganisationKind
from accounts.roles import Role
from cases import services as case_services
from cases.handovers import forms as handover_forms
from cases.handovers import services as handover_services
from cases.handovers.models import ROUTES
from cases.models import Case, CaseStatus, CaseStatusChange, Handover
from consent import services as consent_services
from lotsa import access
from lotsa.errors import DomainError
from lotsa.vocabulary import Purpose
from sig import services as sig_services
from sig.models import InterventionGroup
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.helpers import login_verified, migrate_to_latest

PROPOSE = "överlämning du skickade togs emot: föreslå att ditt ärende avslutas"


@pytest.fixture
def units(db):
    made = {
        "rinkeby": OrganisationFactory(name="Rinkeby-Kista sdf"),
        "hasselby": OrganisationFactory(name="Hässelby-Vällingby sdf"),
        "programme": OrganisationFactory(
            name="Avhopparverksamheten", kind=OrganisationKind.DEFECTOR_PROGRAMME
        ),
        "treatment": OrganisationFactory(name="Behandlingsenheten", kind=OrganisationKind.TREATMENT_UNIT),
    }
    made.update(
        worker=UserFactory(username="sw", organisation=made["rinkeby"], roles=[Role.SOCIAL_WORKER]),
        supervisor=UserFactory(username="chef", organisation=made["rinkeby"], roles=[Role.SUPERVISOR]),
        receiver=UserFactory(username="hv", organisation=made["hasselby"], roles=[Role.SOCIAL_WORKER]),
        programme_worker=UserFactory(
            username="avh", organisation=made["programme"], roles=[Role.DEFECTOR_PROGRAMME]
        ),
        treatment_worker=UserFactory(
            username="beh", organisation=made["treatment"], roles=[Role.TREATMENT_UNIT]
        ),
    )
    return made


def case_of(u, unit, by, **fields):
    person = PersonFactory(organisation=u[unit], given_names="Maria", surname="Testsson")
    return CaseFactory(person=person, owner_unit=u[unit], responsible=by, **fields)


def consent(by, case, purpose, *recipients):
    return consent_services.consent_record(
        by=by,
        case_id=case.pk,
        terms=consent_services.ConsentTerms(
            purpose=purpose,
            purpose_text="",
            recipient_ids=[r.pk for r in recipients],
            categories=["identity_contact"],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=90),
            given_how="oral",
            witness="V",
        ),
    )


def hand_over(by, case, to, purpose):
    return handover_services.handover_send(by=by, case_id=case.pk, to_unit_id=to.pk, purpose=purpose, note="")


def test_a_relative_handed_over_stays_a_relative(client, units):
    u = units
    mother = case_of(u, "rinkeby", u["worker"], activity="relative_support", target_group="relative")
    consent(u["worker"], mother, Purpose.RELATIVE_SUPPORT, u["treatment"])
    handover = hand_over(u["worker"], mother, u["treatment"], Purpose.RELATIVE_SUPPORT)
    assert handover.target_group == "relative"
    # The receiving unit sees whom the case is for before it decides.
    login_verified(client, u["treatment_worker"])
    page = client.get(reverse("cases:handover", kwargs={"handover_id": handover.pk})).content.decode()
    assert "Målgrupp" in page and "En anhörig" in page
    received = handover_services.handover_accept(by=u["treatment_worker"], handover_id=handover.pk)
    assert (received.target_group, received.activity) == ("relative", "relative_support")
    # Her page offers relative support, and no intervention group around her.
    page = client.get(reverse("cases:detail", kwargs={"case_id": received.pk})).content.decode()
    assert reverse("relatives:case", kwargs={"case_id": received.pk}) in page
    assert reverse("sig:form", kwargs={"case_id": received.pk}) not in page
    with pytest.raises(DomainError, match="En insatsgrupp bildas inte kring en anhörig"):
        sig_services.group_form(by=u["treatment_worker"], case_id=received.pk)
    assert not InterventionGroup.objects.exists()
    # A person concerned's case still offers one.
    concerned = case_of(u, "treatment", u["treatment_worker"])
    page = client.get(reverse("cases:detail", kwargs={"case_id": concerned.pk})).content.decode()
    assert reverse("sig:form", kwargs={"case_id": concerned.pk}) in page


@pytest.mark.parametrize("activity", ["intervention_group", "relative_support", "other"])
def test_a_move_between_districts_sets_the_receiving_activity(units, activity):
    u = units
    target_group = "relative" if activity == "relative_support" else "person_concerned"
    moving = case_of(u, "rinkeby", u["worker"], activity=activity, target_group=target_group)
    consent(u["worker"], moving, Purpose.DISTRICT_MOVE, u["hasselby"])
    handover = hand_over(u["worker"], moving, u["hasselby"], Purpose.DISTRICT_MOVE)
    received = handover_services.handover_accept(by=u["receiver"], handover_id=handover.pk)
    # The new district goes on with the same support, for the same person.
    assert received.owner_unit_id == u["hasselby"].pk
    assert (received.activity, received.target_group) == (activity, target_group)


@pytest.mark.parametrize(
    "unit,worker", [("programme", "programme_worker"), ("treatment", "treatment_worker")]
)
def test_back_to_the_district_after_the_programme_or_the_treatment_unit_sets_a_follow_up(units, unit, worker):
    u = units
    leaving = case_of(u, unit, u[worker], activity="defector_programme")
    consent(u[worker], leaving, Purpose.BACK_TO_DISTRICT, u["rinkeby"])
    handover = hand_over(u[worker], leaving, u["rinkeby"], Purpose.BACK_TO_DISTRICT)
    received = handover_services.handover_accept(by=u["worker"], handover_id=handover.pk)
    assert received.activity == "district_follow_up" and received.owner_unit_id == u["rinkeby"].pk
    assert received.get_activity_display() == (
        "Uppföljning i stadsdelen efter avhopparverksamheten eller behandlingsenheten"
    )


def test_each_purpose_sets_its_receiving_activity_in_one_table(units):
    """The table is the rule: every purpose the form offers has a route, and no route leaves the
    receiving case at "other": the VBE team's hand-over opens the district's support."""
    assert set(ROUTES) == {
        Purpose.HANDOVER,
        Purpose.DEFECTOR_PROGRAMME,
        Purpose.RELATIVE_SUPPORT,
        Purpose.DISTRICT_MOVE,
        Purpose.BACK_TO_DISTRICT,
    }
    assert [p for p, route in ROUTES.items() if route.activity == "other"] == []
    assert ROUTES[Purpose.HANDOVER].activity == "district_support"
    # Every route but the defector programme's moves the person on: the sender is asked to close.
    assert [p for p, route in ROUTES.items() if not route.sender_closes] == [Purpose.DEFECTOR_PROGRAMME]


def test_a_move_goes_only_between_the_units_it_is_for(units):
    u = units
    case = case_of(u, "rinkeby", u["worker"])
    programme_case = case_of(u, "programme", u["programme_worker"])
    consent(u["worker"], case, Purpose.DISTRICT_MOVE, u["programme"])
    consent(u["worker"], case, Purpose.BACK_TO_DISTRICT, u["hasselby"])
    consent(u["programme_worker"], programme_case, Purpose.DISTRICT_MOVE, u["rinkeby"])
    with pytest.raises(DomainError, match="Avhopparverksamheten tar inte emot överlämningar för syftet"):
        hand_over(u["worker"], case, u["programme"], Purpose.DISTRICT_MOVE)
    with pytest.raises(DomainError, match="är inte en överlämning som din enhet skickar"):
        hand_over(u["worker"], case, u["hasselby"], Purpose.BACK_TO_DISTRICT)
    with pytest.raises(DomainError, match="är inte en överlämning som din enhet skickar"):
        hand_over(u["programme_worker"], programme_case, u["rinkeby"], Purpose.DISTRICT_MOVE)
    assert not Handover.objects.exists()
    # The form offers a unit only the purposes it sends for.
    offered = dict(
        handover_forms.HandoverForm(own_unit_kind="district_administration").fields["purpose"].choices
    )
    assert Purpose.DISTRICT_MOVE in offered and Purpose.BACK_TO_DISTRICT not in offered
    offered = dict(handover_forms.HandoverForm(own_unit_kind="defector_programme").fields["purpose"].choices)
    assert Purpose.BACK_TO_DISTRICT in offered and Purpose.DISTRICT_MOVE not in offered


def test_a_move_is_sent_only_under_a_consent_for_the_move_that_names_the_receiving_district(units):
    u = units
    case = case_of(u, "rinkeby", u["worker"])
    consent(u["worker"], case, Purpose.HANDOVER, u["hasselby"])  # another purpose
    consent(u["worker"], case, Purpose.DISTRICT_MOVE, u["programme"])  # another unit
    with pytest.raises(
        DomainError, match="Inget samtycke för syftet Överlämning från en stadsdel till en annan"
    ):
        hand_over(u["worker"], case, u["hasselby"], Purpose.DISTRICT_MOVE)
    given = consent(u["worker"], case, Purpose.DISTRICT_MOVE, u["hasselby"])
    handover = hand_over(u["worker"], case, u["hasselby"], Purpose.DISTRICT_MOVE)
    assert str(handover.consent_ref) == str(given.pk)


def test_an_accepted_handover_proposes_closing_the_sending_case(client, units):
    u = units
    sending = case_of(u, "rinkeby", u["worker"], activity="intervention_group")
    consent(u["worker"], sending, Purpose.DISTRICT_MOVE, u["hasselby"])
    handover = hand_over(u["worker"], sending, u["hasselby"], Purpose.DISTRICT_MOVE)
    login_verified(client, u["worker"])
    assert PROPOSE not in client.get(reverse("home")).content.decode()  # not before it is accepted
    handover_services.handover_accept(by=u["receiver"], handover_id=handover.pk)
    # Accepting never closes the sending case, nor proposes it on anyone's behalf.
    sending.refresh_from_db()
    assert sending.status == CaseStatus.OPENED and sending.closed_at is None
    assert not CaseStatusChange.objects.filter(case=sending, status=CaseStatus.CLOSING).exists()
    # Its handler is asked, on the start page, the hand-over's page and the case page.
    close = reverse("cases:close", kwargs={"case_id": sending.pk}) + "?reason=handed_over"
    home = client.get(reverse("home")).content.decode()
    assert "1 " + PROPOSE in home and close in home
    page = client.get(reverse("cases:handover", kwargs={"handover_id": handover.pk})).content.decode()
    assert "Föreslå att ärendet avslutas" in page and close in page
    assert close in client.get(reverse("cases:detail", kwargs={"case_id": sending.pk})).content.decode()
    form = client.get(close).content.decode()
    assert 'value="handed_over" selected' in form
    # The receiving side is not asked.
    login_verified(client, u["receiver"])
    assert PROPOSE not in client.get(reverse("home")).content.decode()
    # The handler proposes; the supervisor decides (four eyes); the asking ends with the proposal.
    login_verified(client, u["worker"])
    response = client.post(close, {"version": sending.version, "reason": "handed_over", "text": ""})
    assert response.status_code == 302
    sending.refresh_from_db()
    assert sending.status == CaseStatus.CLOSING
    assert PROPOSE not in client.get(reverse("home")).content.decode()
    with pytest.raises(access.AccessDenied):  # the proposer never decides
        case_services.case_close_decide(
            by=u["worker"], case_id=sending.pk, expected_version=sending.version, approve=True, note=""
        )
    case_services.case_close_decide(
        by=u["supervisor"], case_id=sending.pk, expected_version=sending.version, approve=True, note=""
    )
    sending.refresh_from_db()
    assert sending.status == CaseStatus.CLOSED
    assert sending.status_changes.get(status=CaseStatus.CLOSED).reason == "handed_over"


def test_the_defector_programme_works_beside_the_sending_case_which_is_not_asked_to_close(client, units):
    u = units
    group_case = case_of(u, "rinkeby", u["worker"])
    consent(u["worker"], group_case, Purpose.DEFECTOR_PROGRAMME, u["programme"])
    handover = hand_over(u["worker"], group_case, u["programme"], Purpose.DEFECTOR_PROGRAMME)
    handover_services.handover_accept(by=u["programme_worker"], handover_id=handover.pk)
    assert not Handover.objects.closing_to_propose().exists()
    login_verified(client, u["worker"])
    assert PROPOSE not in client.get(reverse("home")).content.decode()
    page = client.get(reverse("cases:handover", kwargs={"handover_id": handover.pk})).content.decode()
    assert "Föreslå att ärendet avslutas" not in page
    page = client.get(reverse("cases:detail", kwargs={"case_id": group_case.pk})).content.decode()
    assert "Föreslå att ärendet avslutas" not in page


def test_a_refused_proposal_to_close_after_a_handover_is_not_asked_again(client, units):
    u = units
    sending = case_of(u, "rinkeby", u["worker"])
    consent(u["worker"], sending, Purpose.DISTRICT_MOVE, u["hasselby"])
    handover = hand_over(u["worker"], sending, u["hasselby"], Purpose.DISTRICT_MOVE)
    handover_services.handover_accept(by=u["receiver"], handover_id=handover.pk)
    assert Handover.objects.closing_to_propose().count() == 1
    sending = case_services.case_close(
        by=u["worker"], case_id=sending.pk, expected_version=sending.version, reason="handed_over", text=""
    )
    case_services.case_close_decide(
        by=u["supervisor"],
        case_id=sending.pk,
        expected_version=sending.version,
        approve=False,
        note="Fortsätter",
    )
    assert Case.objects.get(pk=sending.pk).status == CaseStatus.ACTIVE
    assert not Handover.objects.closing_to_propose().exists()
    login_verified(client, u["worker"])
    assert PROPOSE not in client.get(reverse("home")).content.decode()


BEFORE = [("cases", "0017_protection_follows_existing_records")]
AFTER = [("cases", "0019_handover_target_group_filled")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_stored_handovers_take_whom_their_case_is_for_and_going_back_restores_the_old_state():
    district = OrganisationFactory(name="Rinkeby-Kista sdf")
    treatment = OrganisationFactory(name="Behandlingsenheten", kind=OrganisationKind.TREATMENT_UNIT)
    worker = UserFactory(organisation=district, roles=[Role.SOCIAL_WORKER])
    mother = CaseFactory(
        owner_unit=district, responsible=worker, activity="relative_support", target_group="relative"
    )
    concerned = CaseFactory(owner_unit=district, responsible=worker)
    consent(worker, mother, Purpose.RELATIVE_SUPPORT, treatment)
    consent(worker, concerned, Purpose.RELATIVE_SUPPORT, treatment)
    receiver = UserFactory(organisation=treatment, roles=[Role.TREATMENT_UNIT])
    hers = handover_services.handover_accept(
        by=receiver, handover_id=hand_over(worker, mother, treatment, Purpose.RELATIVE_SUPPORT).pk
    )
    his = handover_services.handover_accept(
        by=receiver, handover_id=hand_over(worker, concerned, treatment, Purpose.RELATIVE_SUPPORT).pk
    )
    try:
        # Read as values: the case's later columns (cases 0031 on) are not there at these migrations.
        def target_group(case):
            return Case.objects.filter(pk=case.pk).values_list("target_group", flat=True).get()

        migrate(BEFORE)  # the old code opened every received case as a person concerned's
        assert target_group(hers) == "person_concerned"
        migrate(AFTER)
        assert target_group(hers) == "relative"
        assert target_group(his) == "person_concerned"
        assert dict(Handover.objects.values_list("from_case_id", "target_group")) == {
            mother.pk: "relative",
            concerned.pk: "person_concerned",
        }
        # Values stored before keep rendering: the old purposes are still words.
        # (Read as a value: the model's later columns are not there at this migration.)
        stored = Handover.objects.filter(from_case=mother).values_list("purpose", flat=True).get()
        assert Handover(purpose=stored).get_purpose_display() == "Anhörigstöd"
    finally:
        migrate_to_latest()


def test_the_handler_of_a_case_a_handover_opened_changes_its_activity_on_the_case_page(client, units):
    """A hand-over sets the receiving case's activity from its route; the receiving handler changes it
    when the unit goes on with something else: a change of the case (its access event, its change
    history, a new version), offered on the case page, refused for a case no hand-over opened."""
    u = units
    moving = case_of(u, "rinkeby", u["worker"], activity="other")
    consent(u["worker"], moving, Purpose.DISTRICT_MOVE, u["hasselby"])
    handover = hand_over(u["worker"], moving, u["hasselby"], Purpose.DISTRICT_MOVE)
    received = handover_services.handover_accept(by=u["receiver"], handover_id=handover.pk)
    assert received.activity == "other"
    login_verified(client, u["receiver"])
    page = client.get(reverse("cases:detail", kwargs={"case_id": received.pk})).content.decode()
    change = reverse("cases:activity", kwargs={"case_id": received.pk})
    assert change in page
    form = client.get(change).content.decode()
    assert 'value="defector_programme"' not in form and 'value="vbe_first_contact"' not in form
    response = client.post(change, {"version": received.version, "activity": "intervention_group"})
    assert response.status_code == 302
    changed = Case.objects.get(pk=received.pk)
    assert changed.activity == "intervention_group" and changed.version == received.version + 1
    # Bad input changes nothing and gets a message, never a 500.
    response = client.post(change, {"version": changed.version, "activity": "defector_programme"})
    assert response.status_code == 200 and Case.objects.get(pk=received.pk).activity == "intervention_group"
    # Not another unit's handler; not a case no hand-over opened.
    with pytest.raises(access.AccessDenied):
        case_services.case_activity_change(
            by=u["worker"], case_id=received.pk, expected_version=changed.version, activity="other"
        )
    with pytest.raises(DomainError, match="Bara aktiviteten i ett ärende som en överlämning öppnade"):
        case_services.case_activity_change(
            by=u["worker"], case_id=moving.pk, expected_version=moving.version, activity="relative_support"
        )
    page = client.get(reverse("cases:detail", kwargs={"case_id": received.pk})).content.decode()
    assert change in page  # still a hand-over's case


def test_the_vbe_teams_handover_opens_the_districts_support(units):
    """The VBE team's hand-over after a first contact opens the district's case as its support after
    the first contact, not as "other"."""
    u = units
    vbe = OrganisationFactory(name="VBE-teamet", kind=OrganisationKind.VBE_TEAM)
    team = UserFactory(username="vbe", organisation=vbe, roles=[Role.VBE_TEAM])
    contact = CaseFactory(
        person=PersonFactory(organisation=vbe, given_names="Ali", surname="Testsson"),
        owner_unit=vbe,
        responsible=team,
        activity="vbe_first_contact",
    )
    consent(team, contact, Purpose.HANDOVER, u["rinkeby"])
    handover = hand_over(team, contact, u["rinkeby"], Purpose.HANDOVER)
    received = handover_services.handover_accept(by=u["worker"], handover_id=handover.pk)
    assert received.activity == "district_support"
    assert received.get_activity_display() == "Stöd i stadsdelen efter en första kontakt med VBE-teamet"


def test_the_handler_asked_to_propose_closing_may_keep_the_case_open_with_a_reason(client, units):
    """Asked, after an accepted hand-over, to propose closing the sending case, its handler may keep it
    open instead: with a reason (none: a message, nothing changed), recorded on the hand-over and as a
    change of the case; the start page stops asking. Nobody else may, and no closing is proposed."""
    u = units
    sending = case_of(u, "rinkeby", u["worker"], activity="intervention_group")
    consent(u["worker"], sending, Purpose.DISTRICT_MOVE, u["hasselby"])
    handover = hand_over(u["worker"], sending, u["hasselby"], Purpose.DISTRICT_MOVE)
    handover_services.handover_accept(by=u["receiver"], handover_id=handover.pk)
    keep = reverse("cases:handover_keep_case_open", kwargs={"handover_id": handover.pk})
    login_verified(client, u["worker"])
    page = client.get(reverse("cases:handover", kwargs={"handover_id": handover.pk})).content.decode()
    assert keep in page and "Behåll ärendet öppet" in page
    response = client.post(keep, {"reason": ""}, follow=True)
    assert "Skriv varför ärendet fortsätter." in response.content.decode()
    assert Handover.objects.get(pk=handover.pk).kept_open_at is None
    with pytest.raises(access.AccessDenied):  # the receiving unit does not keep the sender's case
        handover_services.handover_keep_case_open(by=u["receiver"], handover_id=handover.pk, reason="Nej")
    assert client.post(keep, {"reason": "Hon har kvar kontakten med skolan här."}).status_code == 302
    kept = Handover.objects.get(pk=handover.pk)
    assert (
        kept.kept_open_by == u["worker"] and kept.kept_open_reason == "Hon har kvar kontakten med skolan här."
    )
    assert PROPOSE not in client.get(reverse("home")).content.decode()
    sending.refresh_from_db()
    assert sending.status == CaseStatus.OPENED
    assert not CaseStatusChange.objects.filter(case=sending, status=CaseStatus.CLOSING).exists()
    # Nothing waits any more: a second post is refused with a message.
    response = client.post(keep, {"reason": "Igen"}, follow=True)
    assert "Inget väntar på ett förslag om att avsluta ärendet." in response.content.decode()
