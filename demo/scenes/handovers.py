"""Hand-over scene (issue 29, item 4): a move between districts. Linus Flyttsson moves from
Rinkeby-Kista to Hässelby-Vällingby: Amina hands him over under his consent for the move, Sara accepts
(the new district's case goes on with the same activity, an intervention group), and Amina proposes
closing her case as handed over, which waits for Karin's approval (four eyes).

Maria Testsson's hand-over to the treatment unit (the relatives scene) shows the other edge: she is a
relative there too, and Amina's start page asks her to propose closing the case she sent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases import services
from cases.handovers import services as handover_services
from cases.words import Activity, CloseReason, Milieu, ProtectedIdentity
from consent import services as consent_services
from demo.scenes.accounts import HV, RK, Organisations, Users
from demo.scenes.cases import with_check_digit
from lotsa.vocabulary import Purpose


def load(*, organisations: Organisations, users: Users) -> None:
    amina, sara = users["socialsekreterare.rk"], users["socialsekreterare.hv"]
    number = with_check_digit("930918345")
    if services.person_find(organisation=organisations[RK], number=number) is not None:
        return
    today = timezone.localdate()
    new_district = organisations[HV]
    moving = services.case_open(
        by=amina,
        number=number,
        details=services.PersonDetails(
            given_names="Linus",
            surname="Flyttsson",
            contact={"phone": "070-000 00 02"},
            address={"street": "Demogatan 3", "postcode": "164 00", "town": "Stockholm"},
            protected_identity=ProtectedIdentity.NONE,
        ),
        activity=Activity.INTERVENTION_GROUP,
        milieu=Milieu.WHITE_POWER,
    )
    moving = services.case_activate(by=amina, case_id=moving.pk, expected_version=moving.version)
    entry = services.journal_add(
        by=amina,
        case_id=moving.pk,
        category="housing",
        text="Flyttar till Vällingby vid månadsskiftet. Vill fortsätta med stödet där.",
    )
    services.journal_sign(by=amina, entry_id=entry.pk)
    consent_services.consent_record(
        by=amina,
        case_id=moving.pk,
        terms=consent_services.ConsentTerms(
            purpose=Purpose.DISTRICT_MOVE,
            purpose_text="",
            recipient_ids=[new_district.pk],
            categories=["identity_contact", "family_social", "interventions_plans"],
            valid_from=today,
            valid_until=today + dt.timedelta(days=180),
            given_how="oral",
            witness="Karin Holm",
        ),
    )
    handover = handover_services.handover_send(
        by=amina,
        case_id=moving.pk,
        to_unit_id=new_district.pk,
        purpose=Purpose.DISTRICT_MOVE,
        note="Flyttar till Vällingby. Har haft stöd hos oss i ett halvår och vill fortsätta.",
    )
    handover_services.handover_accept(by=sara, handover_id=handover.pk)
    moving.refresh_from_db()
    services.case_close(
        by=amina,
        case_id=moving.pk,
        expected_version=moving.version,
        reason=CloseReason.HANDED_OVER,
        text="Överlämnad till Hässelby-Vällingby vid flytten.",
    )
