"""The demo's people and their cases: opened, activated, journals signed, some closed with the
supervisor's approval. Idempotent: a person who already has a case is skipped."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from accounts.models import Role, User
from cases import personal_number, services
from cases.models import Case
from cases.words import Activity, CloseReason, Milieu, ProtectedIdentity
from demo.scenes import history
from demo.scenes.accounts import HV, RK, ST, Organisations, Users


def turns_in(days: int, age: int, serial: str) -> str:
    """YYMMDDNNN of someone who turns ``age`` ``days`` after today (born on the 28th for a leap day)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    year = day.year - age
    born = day.replace(year=year) if not (day.month == 2 and day.day == 29) else dt.date(year, 2, 28)
    return f"{born:%y%m%d}{serial}"


def known_to(worker, given: str, surname: str) -> bool:
    """Whether the handler already has a case of someone of that name."""
    return any(
        (case.person.given_names, case.person.surname) == (given, surname)
        for case in Case.objects.filter(responsible=worker).select_related("person")
    )


# Fictitious people: given names, surname, YYMMDDNNN (the check digit is computed), unit, handler,
# activity, milieu, protection, journal entries (category, text), closed with this reason or "".
PEOPLE = [
    (
        "Adam",
        "Testsson",
        "920315123",
        RK,
        "socialsekreterare.rk",
        Activity.INTERVENTION_GROUP,
        Milieu.VIOLENT_ISLAMIST,
        ProtectedIdentity.NONE,
        [
            ("family_social", "Bor med mamma och två yngre syskon. Mamma är orolig och vill ha stöd."),
            ("school_education", "Har avbrutit gymnasiet. Vill gärna läsa in betygen på komvux."),
        ],
        "",
    ),
    (
        "Bea",
        "Provsdotter",
        "010522456",
        ST,
        "socialsekreterare.st",
        Activity.RELATIVE_SUPPORT,
        Milieu.NOT_RELEVANT,
        ProtectedIdentity.NONE,
        [("family_social", "Stödsamtal om oron för brodern. Nästa samtal om två veckor.")],
        "",
    ),
    (
        "Cecilia",
        "Exempelsson",
        "881130789",
        HV,
        "socialsekreterare.hv",
        Activity.DEFECTOR_PROGRAMME,
        Milieu.WHITE_POWER,
        ProtectedIdentity.PROTECTED_REGISTRATION,
        [
            (
                "threat_protection",
                "Polisen bedömer hotbilden som hög. Tillfälligt boende ordnat utanför länet.",
            )
        ],
        "",
    ),
    (
        "David",
        "Prövare",
        "950101234",
        RK,
        "socialsekreterare.rk",
        Activity.VBE_FIRST_CONTACT,
        Milieu.AUTONOMOUS,
        ProtectedIdentity.NONE,
        [("interventions_plans", "Första kontakt tillsammans med polisen. Tackade ja till stöd.")],
        "",
    ),
    (
        "Elin",
        "Fiktiv",
        "030817345",
        RK,
        "socialsekreterare.rk",
        Activity.INTERVENTION_GROUP,
        Milieu.UNCLEAR,
        ProtectedIdentity.NONE,
        [("school_education", "Skolan rapporterar hög frånvaro under hösten.")],
        "",
    ),
    (
        "Farid",
        "Påhittad",
        "990612456",
        ST,
        "socialsekreterare.st",
        Activity.INTERVENTION_GROUP,
        Milieu.VIOLENT_ISLAMIST,
        ProtectedIdentity.NONE,
        [("work_income", "Inskriven på Jobbtorg. Praktikplats söks.")],
        "",
    ),
    (
        "Greta",
        "Låtsas",
        "870203567",
        ST,
        "socialsekreterare.st",
        Activity.OTHER,
        Milieu.OTHER_IDEOLOGY,
        ProtectedIdentity.NONE,
        [("health_substance", "Har fått tid hos beroendemottagningen.")],
        CloseReason.GOALS_MET,
    ),
    (
        "Hugo",
        "Exempel",
        "000909678",
        HV,
        "socialsekreterare.hv",
        Activity.INTERVENTION_GROUP,
        Milieu.WHITE_POWER,
        ProtectedIdentity.NONE,
        [("ideology_milieu", "Har tagit avstånd från sina tidigare kontakter i miljön.")],
        "",
    ),
    (
        "Ida",
        "Testdotter",
        "940424789",
        HV,
        "socialsekreterare.hv",
        Activity.RELATIVE_SUPPORT,
        Milieu.NOT_RELEVANT,
        ProtectedIdentity.NONE,
        [("family_social", "Partner till en person i avhopparverksamheten. Stödsamtal inlett.")],
        "",
    ),
    (
        "Jamal",
        "Provsson",
        "970707890",
        RK,
        "socialsekreterare.rk",
        Activity.DEFECTOR_PROGRAMME,
        Milieu.VIOLENT_ISLAMIST,
        ProtectedIdentity.NONE,
        [("housing", "Behöver boende med stöd. Ansökan om träningslägenhet skickad.")],
        "",
    ),
    (
        "Klara",
        "Påhitt",
        "020219901",
        HV,
        "socialsekreterare.hv",
        Activity.VBE_FIRST_CONTACT,
        Milieu.AUTONOMOUS,
        ProtectedIdentity.NONE,
        [("interventions_plans", "Vill inte ha kontakt just nu. Erbjudandet står kvar.")],
        "",
    ),
    (
        "Lars",
        "Demosson",
        "781111012",
        ST,
        "socialsekreterare.st",
        Activity.INTERVENTION_GROUP,
        Milieu.UNCLEAR,
        ProtectedIdentity.NONE,
        [("crime_police", "Polisen informerade gruppen om en pågående förundersökning.")],
        "",
    ),
    (
        "Nora",
        "Prövare",
        # 17, and comes of age 20 days after the demo is loaded (demo/scenes/ages.py tells her story).
        turns_in(20, settings.LOTSA_ADULT_AGE, "345"),
        RK,
        "socialsekreterare.rk",
        Activity.INTERVENTION_GROUP,
        Milieu.AUTONOMOUS,
        ProtectedIdentity.NONE,
        [("school_education", "Skolan oroar sig för kontakter utanför skolan. Vårdnadshavarna är med.")],
        "",
    ),
]


# How many days before the load day each case was opened (demo/scenes/history.py): the districts' work
# spread over three years. Greta's case was closed (goals met) after a little over a year. Nora's case
# was opened when she was 17 (she comes of age 20 days after the load day).
OPENED_DAYS_AGO = {
    ("Adam", "Testsson"): 420,
    ("Bea", "Provsdotter"): 700,
    ("Cecilia", "Exempelsson"): 300,
    ("David", "Prövare"): 40,
    ("Elin", "Fiktiv"): 380,
    ("Farid", "Påhittad"): 150,
    ("Greta", "Låtsas"): 1000,
    ("Hugo", "Exempel"): 540,
    ("Ida", "Testdotter"): 210,
    ("Jamal", "Provsson"): 260,
    ("Klara", "Påhitt"): 90,
    ("Lars", "Demosson"): 800,
    ("Nora", "Prövare"): 330,
}
CLOSED_DAYS_AGO = {("Greta", "Låtsas"): 560}


# A draft the handler has not signed yet (by the person's YYMMDDNNN): it can still be edited or
# deleted by its author, from the case page.
DRAFTS = {
    "920315123": (
        "interventions_plans",
        "Utkast: planerar ett gemensamt möte med mamma och skolan om komvux. Ska stämmas av med Adam.",
    ),
}


def with_check_digit(first_nine: str) -> str:
    """YYMMDDNNN plus the Luhn digit, as YYYYMMDDNNNC (born 1900-2099, as the text says)."""
    for digit in "0123456789":
        if personal_number.luhn_ok(first_nine + digit):
            return personal_number.normalise(first_nine[:6] + "-" + first_nine[6:] + digit)
    raise AssertionError("unreachable")


def load(*, organisations: Organisations, users: Users) -> None:
    for (
        given,
        surname,
        nine,
        unit,
        handler,
        activity,
        milieu,
        protection,
        journal,
        closed_reason,
    ) in PEOPLE:
        number = with_check_digit(nine)
        worker = users[handler]
        person = services.person_find(organisation=organisations[unit], number=number)
        if person is not None and Case.objects.filter(person=person).exists():
            continue
        if known_to(worker, given, surname):
            continue  # a number that follows the load date (turns_in), loaded on an earlier day
        details = services.PersonDetails(
            given_names=given,
            surname=surname,
            contact={"phone": "070-000 00 00"},
            address={"street": "Demogatan 1", "postcode": "164 00", "town": "Stockholm"},
            protected_identity=protection,
        )
        case = services.case_open(by=worker, number=number, details=details, activity=activity, milieu=milieu)
        case = services.case_activate(by=worker, case_id=case.pk, expected_version=case.version)
        history.case_opened_on(case, history.days_ago(OPENED_DAYS_AGO[(given, surname)]))
        if nine == PEOPLE[0][2]:
            # The unit's supervisor opened the first case as it was opened: the journal written since is
            # new to her (*Nytt sedan ditt senaste besök* on the case page and in *Mina ärenden*).
            services.case_visit_record(user=users["enhetschef.rk"], case=case)
        for category, text in journal:
            entry = services.journal_add(by=worker, case_id=case.pk, category=category, text=text)
            services.journal_sign(by=worker, entry_id=entry.pk, expected_version=entry.version)
        if nine in DRAFTS:
            category, text = DRAFTS[nine]
            services.journal_add(by=worker, case_id=case.pk, category=category, text=text)
        if closed_reason:
            # The handler proposes closing; the unit's supervisor approves it (four eyes).
            case = services.case_close(
                by=worker, case_id=case.pk, expected_version=case.version, reason=closed_reason, text=""
            )
            supervisor = User.objects.filter(
                organisation=case.owner_unit, role_grants__role=Role.SUPERVISOR, is_active=True
            ).first()
            services.case_close_decide(
                by=supervisor, case_id=case.pk, expected_version=case.version, approve=True, note=""
            )
            history.case_closed_on(case, history.days_ago(CLOSED_DAYS_AGO[(given, surname)]))
