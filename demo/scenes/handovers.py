"""Hand-over scene (issue 29, item 4): a move between districts. Linus Flyttsson moves from
Rinkeby-Kista to Hässelby-Vällingby: Amina hands him over under his consent for the move, Sara accepts
(the new district's case goes on with the same activity, an intervention group), and Amina proposes
closing her case as handed over, which waits for Karin's approval (four eyes). Tove
Hemvändsdotter goes back to Spånga-Tensta from the treatment unit: the district's case is a follow-up.

Omar Frågesson shows a request for a hand-over (issue 30): Spånga-Tensta holds his case and his
consent to a move naming Rinkeby-Kista; Amina's search by his number is told so, and she asks
Spånga-Tensta for the hand-over, which waits for Jonas's answer.

Maria Testsson's hand-over to the treatment unit (the relatives scene) shows the other edge: she is a
relative there too, and Amina's start page asks her to propose closing the case she sent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases import services
from cases.handovers import services as handover_services
from cases.words import Activity, CloseReason, Milieu, ProtectedIdentity
from consent import services as consent_services
from demo.scenes.accounts import HV, RK, ST, Organisations, Users
from demo.scenes.cases import with_check_digit
from lotsa.vocabulary import Purpose


def load(*, organisations: Organisations, users: Users) -> None:
    _move(organisations=organisations, users=users)
    _back_to_the_district(organisations=organisations, users=users)
    _asked_for(organisations=organisations, users=users)


def _consent(by, case, purpose: str, recipient, categories: list[str], witness: str) -> None:
    today = timezone.localdate()
    consent_services.consent_record(
        by=by,
        case_id=case.pk,
        terms=consent_services.ConsentTerms(
            purpose=purpose,
            purpose_text="",
            recipient_ids=[recipient.pk],
            categories=categories,
            valid_from=today,
            valid_until=today + dt.timedelta(days=180),
            given_how="oral",
            witness=witness,
        ),
    )


def _move(*, organisations: Organisations, users: Users) -> None:
    amina, sara = users["socialsekreterare.rk"], users["socialsekreterare.hv"]
    number = with_check_digit("930918345")
    if services.person_find(organisation=organisations[RK], number=number) is not None:
        return
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
    services.journal_sign(by=amina, entry_id=entry.pk, expected_version=entry.version)
    _consent(
        amina,
        moving,
        Purpose.DISTRICT_MOVE,
        new_district,
        ["identity_contact", "family_social"],
        "Karin Holm",
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


def _back_to_the_district(*, organisations: Organisations, users: Users) -> None:
    """Tove Hemvändsdotter's time with the treatment unit ends: Erik hands her back to Spånga-Tensta
    under her consent for it; Jonas accepts, and the district's case is a follow-up. Erik's start page
    asks him to propose closing his case."""
    erik, jonas = users["behandlingsenheten"], users["socialsekreterare.st"]
    treatment = organisations["Socialförvaltningen, Behandlingsenheten"]
    number = with_check_digit("970221456")
    if services.person_find(organisation=treatment, number=number) is not None:
        return
    leaving = services.case_open(
        by=erik,
        number=number,
        details=services.PersonDetails(
            given_names="Tove",
            surname="Hemvändsdotter",
            contact={"phone": "070-000 00 03"},
            address={"street": "Demogatan 4", "postcode": "163 00", "town": "Spånga"},
            protected_identity=ProtectedIdentity.NONE,
        ),
        activity=Activity.OTHER,
        milieu=Milieu.AUTONOMOUS,
    )
    leaving = services.case_activate(by=erik, case_id=leaving.pk, expected_version=leaving.version)
    _consent(
        erik, leaving, Purpose.BACK_TO_DISTRICT, organisations[ST], ["identity_contact", "housing"], "Lena Ås"
    )
    handover = handover_services.handover_send(
        by=erik,
        case_id=leaving.pk,
        to_unit_id=organisations[ST].pk,
        purpose=Purpose.BACK_TO_DISTRICT,
        note="Behandlingen är avslutad. Behöver stöd med boende och sysselsättning i stadsdelen.",
    )
    handover_services.handover_accept(by=jonas, handover_id=handover.pk)


def _asked_for(*, organisations: Organisations, users: Users) -> None:
    """Omar Frågesson is held by Spånga-Tensta, whose Jonas records his consent to a move naming
    Rinkeby-Kista; Amina, told by the cross-unit pointer, asks Spånga-Tensta for the hand-over."""
    amina, jonas = users["socialsekreterare.rk"], users["socialsekreterare.st"]
    number = with_check_digit("950604123")
    if services.person_find(organisation=organisations[ST], number=number) is not None:
        return
    held = services.case_open(
        by=jonas,
        number=number,
        details=services.PersonDetails(
            given_names="Omar",
            surname="Frågesson",
            contact={"phone": "070-000 00 04"},
            address={"street": "Demogatan 5", "postcode": "163 00", "town": "Spånga"},
            protected_identity=ProtectedIdentity.NONE,
        ),
        activity=Activity.OTHER,
        milieu=Milieu.UNCLEAR,
    )
    _consent(jonas, held, Purpose.DISTRICT_MOVE, organisations[RK], ["identity_contact"], "Lena Ås")
    handover_services.handover_request_send(
        by=amina,
        personal_number=number,
        to_unit_id=organisations[ST].pk,
        purpose=Purpose.DISTRICT_MOVE,
        reason="Han har flyttat till Rinkeby och söker stöd hos oss.",
    )
