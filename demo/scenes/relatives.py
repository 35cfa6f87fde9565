"""Relatives scene: a mother's own support case, handed over to the treatment unit."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases import services
from cases.handovers import services as handover_services
from cases.words import Activity, Milieu, ProtectedIdentity
from consent import services as consent_services
from demo.scenes import history
from demo.scenes.accounts import RK, Organisations, Users
from demo.scenes.cases import PEOPLE, with_check_digit
from relatives import services as relatives


def load(*, organisations: Organisations, users: Users) -> None:
    """Maria Testsson, Adam's mother, a client in her own right: Rinkeby-Kista opened her support
    case, recorded the relation (seen only by her handler) and handed her over to the treatment unit
    under her own consent; the unit accepted and holds support conversations with her."""
    amina, erik = users["socialsekreterare.rk"], users["behandlingsenheten"]
    number = with_check_digit("680412234")
    if services.person_find(organisation=organisations[RK], number=number) is not None:
        return
    today = timezone.localdate()
    treatment = organisations["Socialförvaltningen, Behandlingsenheten"]
    mother = services.case_open(
        by=amina,
        number=number,
        details=services.PersonDetails(
            given_names="Maria",
            surname="Testsson",
            contact={"phone": "070-000 00 01"},
            address={"street": "Demogatan 1", "postcode": "164 00", "town": "Stockholm"},
            protected_identity=ProtectedIdentity.NONE,
        ),
        activity=Activity.RELATIVE_SUPPORT,
        milieu=Milieu.NOT_RELEVANT,
        target_group="relative",
    )
    history.case_opened_on(mother, history.days_ago(75))
    relatives.relation_add(
        by=amina,
        case_id=mother.pk,
        kind="parent",
        concerned_name="Adam Testsson",
        concerned_number=with_check_digit(PEOPLE[0][2]),
        notes="Orolig för sonen; vill ha stöd för egen del.",
    )
    consent_services.consent_record(
        by=amina,
        case_id=mother.pk,
        terms=consent_services.ConsentTerms(
            purpose="relative_support",
            purpose_text="",
            recipient_ids=[treatment.pk],
            categories=["identity_contact", "family_social"],
            valid_from=today,
            valid_until=today + dt.timedelta(days=365),
            given_how="oral",
            witness="Karin Holm",
        ),
    )
    handover = handover_services.handover_send(
        by=amina,
        case_id=mother.pk,
        to_unit_id=treatment.pk,
        purpose="relative_support",
        note="Stödsamtal.",
    )
    own = handover_services.handover_accept(by=erik, handover_id=handover.pk)
    history.case_opened_on(own, history.days_ago(30))  # the first conversation was three weeks ago
    for days, form, notes in (
        (21, "individual", "Första samtalet: oron för sonen och den egna sömnen."),
        (7, "parent_network", "Deltog i föräldranätverket för första gången."),
    ):
        relatives.conversation_record(
            by=erik,
            case_id=own.pk,
            held_on=today - dt.timedelta(days=days),
            form=form,
            notes=notes,
            follow_up_on=today + dt.timedelta(days=14),
        )
