"""First-contact scene (the VBE team, a sub-domain of cases): this year's three first contacts, then
three years of earlier ones for the coordinator's trend."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from cases import services
from cases.first_contacts import services as first_contact_services
from cases.handovers import services as handover_services
from cases.models import FirstContact
from cases.words import CaseStatus, CloseReason, Milieu, ProtectedIdentity
from consent import services as consent_services
from demo.scenes import history
from demo.scenes.accounts import RK, Organisations, Users
from demo.scenes.cases import with_check_digit


def load(*, organisations: Organisations, users: Users) -> None:
    """This year's first contacts, then the earlier years' (each part skips itself when present)."""
    _current(organisations=organisations, users=users)
    _history(organisations=organisations, users=users)


def _current(*, organisations: Organisations, users: Users) -> None:
    """The VBE team's first contacts: Oskar Demoson accepted help and was handed over to
    Rinkeby-Kista, which accepted; Petra Provsdotter declined; Rasmus Exempelson has a daughter, for
    whom the police made a report of concern that Rinkeby-Kista assessed and opened a case for."""
    team = organisations["Socialförvaltningen, VBE-teamet"]
    if FirstContact.objects.filter(case__owner_unit=team).exists():
        return
    omar, amina = users["vbe-teamet"], users["socialsekreterare.rk"]
    rk = organisations[RK]
    today = timezone.localdate()

    def first_contact(given, surname, nine, milieu, outcome, children_reason=""):
        case = first_contact_services.first_contact_open(
            by=omar,
            number=with_check_digit(nine),
            details=services.PersonDetails(
                given_names=given,
                surname=surname,
                contact={"phone": "070-000 00 00"},
                address={"street": "Demogatan 2", "postcode": "164 00", "town": "Stockholm"},
                protected_identity=ProtectedIdentity.NONE,
            ),
            milieu=milieu,
            request=first_contact_services.FirstContactRequest(
                referrer="security_service" if outcome == "accepted_help" else "police",
                referrer_detail="Polisregion Stockholm",
                flagged_on=today - dt.timedelta(days=20),
                has_minor_children=bool(children_reason),
                children_reason=children_reason,
            ),
        )
        history.case_opened_on(case, today - dt.timedelta(days=20))  # the day the police flagged them
        first_contact_services.first_contact_meeting_record(
            by=omar,
            case_id=case.pk,
            held_on=today - dt.timedelta(days=10),
            vbe_participants="Omar Nilsson",
            police_participants="Maria Falk, Polisen Järva",
            outcome=outcome,
            attempts=1,
            notes="",
        )
        return case

    oskar = first_contact("Oskar", "Demoson", "960214345", Milieu.WHITE_POWER, "accepted_help")
    consent_services.consent_record(
        by=omar,
        case_id=oskar.pk,
        terms=consent_services.ConsentTerms(
            purpose="handover",
            purpose_text="",
            recipient_ids=[rk.pk],
            categories=["identity_contact", "work_income"],
            valid_from=today,
            valid_until=today + dt.timedelta(days=365),
            given_how="oral",
            witness="Maria Falk",
        ),
    )
    entry = services.journal_add(
        by=omar, case_id=oskar.pk, category="work_income", text="Vill ha hjälp att hitta ett arbete."
    )
    services.journal_sign(by=omar, entry_id=entry.pk, expected_version=entry.version)
    handover = handover_services.handover_send(
        by=omar, case_id=oskar.pk, to_unit_id=rk.pk, purpose="handover", note="Tackade ja vid mötet."
    )
    handover_services.handover_accept(by=amina, handover_id=handover.pk)
    first_contact("Petra", "Provsdotter", "890909456", Milieu.UNCLEAR, "declined")
    rasmus = first_contact(
        "Rasmus",
        "Exempelson",
        "850505567",
        Milieu.VIOLENT_ISLAMIST,
        "other_help",
        children_reason="Dottern bor med sin mamma; oro för henne anmäls av polisen.",
    )
    report = first_contact_services.concern_report_record(
        by=omar,
        case_id=rasmus.pk,
        to_unit_id=rk.pk,
        child=first_contact_services.ChildDetails(
            number=with_check_digit("160606123"), given_names="Saga", surname="Exempelson"
        ),
        reported_by_police="Maria Falk, Polisen Järva",
        concern="Pappan har tagit med dottern till möten i miljön.",
        reported_on=today - dt.timedelta(days=9),
    )
    first_contact_services.concern_report_assess(
        by=amina, report_id=report.pk, open_case=True, note="Utredning inleds."
    )


def _history(*, organisations: Organisations, users: Users) -> None:
    """Three years of the VBE team's earlier first contacts, met and closed, so that the coordinator's
    indicator of accepted help has a trend to show (more accepted each year). Fictitious people,
    seeded: the same every time."""
    team = organisations["Socialförvaltningen, VBE-teamet"]
    if FirstContact.objects.filter(case__owner_unit=team, case__status=CaseStatus.CLOSED).exists():
        return
    omar, sofia = users["vbe-teamet"], users["enhetschef.vbe"]
    rng = random.Random(1917)
    given = [
        "Ali",
        "Emil",
        "Sara",
        "Leo",
        "Noah",
        "Elias",
        "Hugo",
        "Maja",
        "Yusuf",
        "Liam",
        "Ebba",
        "Nora",
    ]
    surnames = ["Demoberg", "Provlund", "Teststrand", "Fiktivsson", "Exempeldal", "Påhittsson"]
    milieus = [Milieu.VIOLENT_ISLAMIST, Milieu.WHITE_POWER, Milieu.AUTONOMOUS, Milieu.UNCLEAR]
    closed_for = {
        "accepted_help": CloseReason.GOALS_MET,
        "declined": CloseReason.DECLINED,
        "not_reached": CloseReason.NO_CONTACT,
        "other_help": CloseReason.NOT_RELEVANT,
    }
    today = timezone.localdate()
    serial = 0
    # (years back, accepted, not accepted): this year's three open contacts come on top.
    for back, accepted, other in ((2, 6, 10), (1, 9, 9), (0, 9, 5)):
        year = today.year - back
        last = today - dt.timedelta(days=40) if back == 0 else dt.date(year, 12, 1)
        span = max((last - dt.date(year, 1, 1)).days, 1)  # early in January: all on the first
        outcomes = ["accepted_help"] * accepted + [
            rng.choice(["declined", "declined", "not_reached", "other_help"]) for _ in range(other)
        ]
        rng.shuffle(outcomes)
        for outcome in outcomes:
            serial += 1
            flagged = min(dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(span)), today)
            born = dt.date(1975 + rng.randrange(28), 1 + rng.randrange(12), 1 + rng.randrange(28))
            case = first_contact_services.first_contact_open(
                by=omar,
                number=with_check_digit(born.strftime("%y%m%d") + f"9{serial:02d}"),
                details=services.PersonDetails(
                    given_names=rng.choice(given),
                    surname=rng.choice(surnames),
                    contact={},
                    address={},
                    protected_identity=ProtectedIdentity.NONE,
                ),
                milieu=rng.choice(milieus),
                request=first_contact_services.FirstContactRequest(
                    referrer=rng.choice(["police", "police", "security_service"]),
                    referrer_detail="Polisregion Stockholm",
                    flagged_on=flagged,
                    has_minor_children=False,
                ),
            )
            history.case_opened_on(case, flagged)
            held_on = min(flagged + dt.timedelta(days=7 + rng.randrange(21)), today)
            first_contact_services.first_contact_meeting_record(
                by=omar,
                case_id=case.pk,
                held_on=held_on,
                vbe_participants="Omar Nilsson",
                police_participants="Maria Falk, Polisen Järva",
                outcome=outcome,
                attempts=1 + rng.randrange(3),
                notes="",
            )
            case = services.case_close(
                by=omar,
                case_id=case.pk,
                expected_version=case.version,
                reason=closed_for[outcome],
                text="",
            )
            services.case_close_decide(
                by=sofia, case_id=case.pk, expected_version=case.version, approve=True, note=""
            )
            # Closed a few days after the meeting (not drawn from ``rng``: the names and dates drawn
            # after stay what they were).
            history.case_closed_on(case, min(held_on + dt.timedelta(days=3 + serial % 12), today))
