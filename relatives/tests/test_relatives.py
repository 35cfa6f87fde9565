"""Relatives as clients in their own right: the relative's own case and consent, the relation to the
person concerned (secret: only the relative case's named handlers, never from the person's side), support
conversations, the district's hand-over of a relative to the treatment unit, and people harmed by
violent extremism as a target group."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import OrganisationKind
from accounts.roles import Role
from audit.models import AccessEvent, Action
from cases import services as case_services
from cases.handovers import services as handover_services
from consent import services as consent_services
from lotsa import access
from lotsa.errors import DomainError
from relatives import services
from relatives.models import Relation, SupportConversation
from relatives.selectors import waiting_follow_ups
from tests.factories import OrganisationFactory, UserFactory, valid_number
from tests.helpers import login_verified

TODAY = dt.date.today()
CONCERNED = "Sonmarkör Testsson"


@pytest.fixture
def family(db):
    district = OrganisationFactory(name="Rinkeby-Kista sdf")
    treatment = OrganisationFactory(name="Behandlingsenheten", kind=OrganisationKind.TREATMENT_UNIT)
    amina = UserFactory(username="amina", organisation=district, roles=[Role.SOCIAL_WORKER])
    son_worker = UserFactory(username="sonens", organisation=district, roles=[Role.SOCIAL_WORKER])
    son = case_services.case_open(
        by=son_worker,
        number=valid_number(5001),
        details=case_services.PersonDetails("Adam", "Testsson", {}, {}, "none"),
        activity="intervention_group",
        milieu="violent_islamist",
    )
    mother = case_services.case_open(
        by=amina,
        number=valid_number(5002),
        details=case_services.PersonDetails("Maria", "Testsson", {"phone": "070-2"}, {}, "none"),
        activity="relative_support",
        milieu="not_relevant",
        target_group="relative",
    )
    return {
        "district": district,
        "treatment": treatment,
        "amina": amina,
        "son_worker": son_worker,
        "supervisor": UserFactory(username="chef", organisation=district, roles=[Role.SUPERVISOR]),
        "erik": UserFactory(username="erik", organisation=treatment, roles=[Role.TREATMENT_UNIT]),
        "son": son,
        "mother": mother,
    }


def relate(f, by=None):
    return services.relation_add(
        by=by or f["amina"],
        case_id=f["mother"].pk,
        kind="parent",
        concerned_name=CONCERNED,
        concerned_number="",
        notes="Över 20, med vuxen son",
    )


def test_a_relative_has_their_own_case_and_the_relation_is_recorded_in_it(family):
    f = family
    assert f["mother"].target_group == "relative" and f["mother"].person_id != f["son"].person_id
    relation = relate(f)
    assert relation.person_id == f["mother"].person_id and relation.kind == "parent"
    with pytest.raises(DomainError, match="relationen"):
        services.relation_add(
            by=f["amina"],
            case_id=f["mother"].pk,
            kind="cousin",
            concerned_name="X",
            concerned_number="",
            notes="",
        )
    with pytest.raises(access.AccessDenied):
        relate(f, by=f["son_worker"])


def test_the_relation_is_never_visible_from_the_persons_side(client, family):
    f = family
    relate(f)
    # The son's handler: not on his case page, not in his lists, not on the relative's pages.
    login_verified(client, f["son_worker"])
    for url in (
        reverse("cases:detail", kwargs={"case_id": f["son"].pk}),
        reverse("cases:my_cases"),
        reverse("cases:handovers"),
    ):
        assert "Maria" not in client.get(url).content.decode(), url
    assert client.get(reverse("relatives:case", kwargs={"case_id": f["mother"].pk})).status_code == 403
    relation = Relation.objects.get()
    assert not access.decide(f["son_worker"], Action.VIEW, relation).allowed
    assert access.visible_to(f["son_worker"], Relation.objects.all()).count() == 0
    # Even the unit's supervisor, who reads both cases, does not see the relation.
    assert not access.decide(f["supervisor"], Action.VIEW, relation).allowed
    login_verified(client, f["supervisor"])
    page = client.get(reverse("relatives:case", kwargs={"case_id": f["mother"].pk})).content.decode()
    assert CONCERNED not in page and "bara för ärendets namngivna handläggare" in page
    # The relative's named handler sees it, each showing an access event.
    login_verified(client, f["amina"])
    page = client.get(reverse("relatives:case", kwargs={"case_id": f["mother"].pk})).content.decode()
    assert CONCERNED in page
    assert AccessEvent.objects.filter(target_type="relatives.relation", actor_id=f["amina"].pk).exists()


def test_the_district_hands_a_relative_over_to_the_treatment_unit_for_support_conversations(family):
    f = family
    with pytest.raises(DomainError, match="Inget samtycke"):
        handover_services.handover_send(
            by=f["amina"],
            case_id=f["mother"].pk,
            to_unit_id=f["treatment"].pk,
            purpose="relative_support",
            note="",
        )
    consent_services.consent_record(
        by=f["amina"],
        case_id=f["mother"].pk,
        terms=consent_services.ConsentTerms(
            purpose="relative_support",
            purpose_text="",
            recipient_ids=[f["treatment"].pk],
            categories=["family_social"],
            valid_from=TODAY,
            valid_until=TODAY + dt.timedelta(days=180),
            given_how="oral",
            witness="V",
        ),
    )
    handover = handover_services.handover_send(
        by=f["amina"],
        case_id=f["mother"].pk,
        to_unit_id=f["treatment"].pk,
        purpose="relative_support",
        note="Behöver stödsamtal",
    )
    own = handover_services.handover_accept(by=f["erik"], handover_id=handover.pk)
    assert own.owner_unit_id == f["treatment"].pk and own.activity == "relative_support"
    assert own.person.contact == {}  # identity and contact not among the consented categories
    assert not Relation.objects.filter(case=own).exists()  # the relation stays with the district's case
    conversation = services.conversation_record(
        by=f["erik"],
        case_id=own.pk,
        held_on=TODAY,
        form="parent_network",
        notes="Samtal i föräldragrupp",
        follow_up_on=TODAY + dt.timedelta(days=14),
    )
    assert SupportConversation.objects.get().pk == conversation.pk
    for bad, message in (
        ({"held_on": TODAY + dt.timedelta(days=1)}, "framtiden"),
        ({"held_on": TODAY - dt.timedelta(days=1)}, "före den dag ärendet öppnades"),  # cases.queries
        ({"form": "letter"}, "form"),
        ({"follow_up_on": TODAY - dt.timedelta(days=1)}, "efter samtalet"),
    ):
        values = {"held_on": TODAY, "form": "individual", "notes": "", "follow_up_on": None, **bad}
        with pytest.raises(DomainError, match=message):
            services.conversation_record(by=f["erik"], case_id=own.pk, **values)
    assert SupportConversation.objects.count() == 1
    with pytest.raises(access.AccessDenied):  # the district reads nothing of the unit's conversations
        services.conversation_record(
            by=f["amina"], case_id=own.pk, held_on=TODAY, form="group", notes="", follow_up_on=None
        )
    assert not access.decide(f["amina"], Action.VIEW, conversation).allowed


def test_a_person_harmed_by_violent_extremism_is_a_client_of_their_own(client, family):
    f = family
    harmed = case_services.case_open(
        by=f["amina"],
        number=valid_number(5003),
        details=case_services.PersonDetails("Drabbad", "Person", {}, {}, "none"),
        activity="other",
        milieu="not_relevant",
        target_group="harmed",
    )
    login_verified(client, f["amina"])
    page = client.get(reverse("relatives:case", kwargs={"case_id": harmed.pk})).content.decode()
    assert "principerna för brottsofferstöd" in page


def test_the_relative_pages_refuse_bad_input_and_strangers(client, family):
    f = family
    login_verified(client, f["amina"])
    url = reverse("relatives:relation_add", kwargs={"case_id": f["mother"].pk})
    response = client.post(url, {"relation-kind": "parent", "relation-concerned_name": ""}, follow=True)
    assert "måste fyllas i" in response.content.decode() and not Relation.objects.exists()
    response = client.post(
        url,
        {"relation-kind": "parent", "relation-concerned_name": "X", "relation-concerned_number": "123"},
        follow=True,
    )
    assert not Relation.objects.exists()
    login_verified(client, f["son_worker"])
    assert client.post(url, {}).status_code == 403
    assign_perm("cases.view_case", f["son_worker"], f["mother"])  # assigned: now a named handler
    assert access.decide(f["son_worker"], Action.VIEW, relate(f)).allowed


def test_showing_a_relation_names_the_person_concerned_in_the_access_log_when_the_unit_knows_them(
    client, family
):
    f = family
    relation = services.relation_add(
        by=f["amina"],
        case_id=f["mother"].pk,
        kind="parent",
        concerned_name=CONCERNED,
        concerned_number=f["son"].person.personal_number,
        notes="",
    )
    assert relation.concerned_person_id == f["son"].person_id
    login_verified(client, f["amina"])
    client.get(reverse("relatives:case", kwargs={"case_id": f["mother"].pk}))
    named = AccessEvent.objects.naming(f["son"].person_id).filter(target_type="relatives.relation")
    assert named.filter(actor_id=f["amina"].pk).exists()
    # ...and the son's case still shows nothing of it.
    login_verified(client, f["son_worker"])
    page = client.get(reverse("cases:detail", kwargs={"case_id": f["son"].pk})).content.decode()
    assert "Maria" not in page and "förälder" not in page.lower()


def test_follow_ups_planned_with_relatives_wait_on_their_handlers_start_page(family):
    """The follow-up a case's latest conversation plans waits on its handlers' start page (a count,
    never a person) from two weeks before it is due, urgent once overdue; a later conversation is the
    follow-up held, and a stranger's start page shows nothing of it."""
    f = family

    def texts(user):
        return [(item.text, item.urgent) for item in waiting_follow_ups(user)]

    services.conversation_record(
        by=f["amina"],
        case_id=f["mother"].pk,
        held_on=TODAY,
        form="individual",
        notes="Första samtalet",
        follow_up_on=TODAY + dt.timedelta(days=20),
    )
    assert texts(f["amina"]) == []  # three weeks ahead: not yet
    with time_machine.travel(TODAY + dt.timedelta(days=7)):
        assert texts(f["amina"]) == [("1 uppföljning med en anhörig är planerad inom två veckor", False)]
    with time_machine.travel(TODAY + dt.timedelta(days=21)):
        assert texts(f["amina"]) == [("1 uppföljning med en anhörig är försenad", True)]
        # Neither the unit's other social worker nor its supervisor handles the case.
        assert texts(f["son_worker"]) == [] and texts(f["supervisor"]) == []
        services.conversation_record(
            by=f["amina"],
            case_id=f["mother"].pk,
            held_on=TODAY + dt.timedelta(days=21),
            form="individual",
            notes="Uppföljningen hölls",
            follow_up_on=None,
        )
        assert texts(f["amina"]) == []  # the follow-up was held


def test_an_empty_support_conversation_is_refused_not_kept(client, family):
    """A conversation with nothing written about it is a validation error with a Swedish message, in
    the section the post lands on, and nothing is saved; the service refuses it for every caller."""
    f = family
    login_verified(client, f["amina"])
    url = reverse("relatives:conversation_add", kwargs={"case_id": f["mother"].pk})
    today = dt.date.today().isoformat()
    for notes in ("", "   "):
        response = client.post(
            url,
            {"conversation-held_on": today, "conversation-form": "individual", "conversation-notes": notes},
        )
        assert response.status_code == 302 and response.url.endswith("#conversations")
        page = client.get(response.url).content.decode()
        section = page[
            page.index('id="conversations"') : page.index("</section>", page.index('id="conversations"'))
        ]
        assert "Skriv vad samtalet handlade om" in section
    assert not SupportConversation.objects.exists()
    with pytest.raises(DomainError, match="Skriv vad samtalet handlade om"):
        services.conversation_record(
            by=f["amina"],
            case_id=f["mother"].pk,
            held_on=TODAY,
            form="individual",
            notes=" ",
            follow_up_on=None,
        )
    assert not SupportConversation.objects.exists()
