"""Demo data: organisations, one user per role, a few cases. Idempotent. Demo mode only."""

from __future__ import annotations

import datetime as dt
from base64 import b32encode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, OrganisationKind, Role, RoleGrant, User
from cases import personal_number, services
from cases.models import Activity, Case, CaseStatus, CloseReason, Milieu, ProtectedIdentity

DEMO_PASSWORD = "Lotsa-demo-2026"  # noqa: S105 - printed on purpose: the demo is the one place for it

DISTRICTS = ("Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby")

ORGANISATIONS = [
    *[(f"{d} stadsdelsförvaltning", OrganisationKind.DISTRICT_ADMINISTRATION, d) for d in DISTRICTS],
    ("Socialförvaltningen, VBE-teamet", OrganisationKind.VBE_TEAM, ""),
    ("Socialförvaltningen, avhopparverksamheten", OrganisationKind.DEFECTOR_PROGRAMME, ""),
    ("Socialförvaltningen, Behandlingsenheten", OrganisationKind.TREATMENT_UNIT, ""),
    ("Polisen, lokalpolisområde Järva", OrganisationKind.POLICE, "Rinkeby-Kista"),
    ("Polisen, BOPS", OrganisationKind.BOPS, ""),
    ("Säkerhetspolisen", OrganisationKind.SECURITY_SERVICE, ""),
    ("Kista grundskola", OrganisationKind.SCHOOL, "Rinkeby-Kista"),
    ("Föreningen Fotboll i Järva", OrganisationKind.SPORTS_CLUB, "Rinkeby-Kista"),
    ("Jobbtorg Stockholm", OrganisationKind.JOBBTORG, ""),
    ("Exit Norr (privat avhopparverksamhet)", OrganisationKind.PRIVATE_DEFECTOR_PROGRAMME, ""),
    ("Stadens systemförvaltning", OrganisationKind.SYSTEM_MANAGEMENT, ""),
]

# username, given name, surname, organisation, roles
USERS = [
    ("socialsekreterare.rk", "Amina", "Berg", "Rinkeby-Kista stadsdelsförvaltning", [Role.SOCIAL_WORKER]),
    ("socialsekreterare.st", "Jonas", "Ek", "Spånga-Tensta stadsdelsförvaltning", [Role.SOCIAL_WORKER]),
    ("socialsekreterare.hv", "Sara", "Lind", "Hässelby-Vällingby stadsdelsförvaltning", [Role.SOCIAL_WORKER]),
    ("enhetschef.rk", "Karin", "Holm", "Rinkeby-Kista stadsdelsförvaltning", [Role.SUPERVISOR]),
    # A second district's supervisor: each district's staff are approved by their own supervisor.
    ("enhetschef.st", "Petra", "Lund", "Spånga-Tensta stadsdelsförvaltning", [Role.SUPERVISOR]),
    ("vbe-teamet", "Omar", "Nilsson", "Socialförvaltningen, VBE-teamet", [Role.VBE_TEAM]),
    (
        "avhopparverksamheten",
        "Lena",
        "Strand",
        "Socialförvaltningen, avhopparverksamheten",
        [Role.DEFECTOR_PROGRAMME],
    ),
    (
        "enhetschef.avhopp",
        "Maja",
        "Ek",
        "Socialförvaltningen, avhopparverksamheten",
        [Role.SUPERVISOR],
    ),
    ("enhetschef.vbe", "Sofia", "Berg", "Socialförvaltningen, VBE-teamet", [Role.SUPERVISOR]),
    ("behandlingsenheten", "Erik", "Sjö", "Socialförvaltningen, Behandlingsenheten", [Role.TREATMENT_UNIT]),
    ("polis.jarva", "Maria", "Falk", "Polisen, lokalpolisområde Järva", [Role.EXTERNAL_MEMBER]),
    ("polis.bops", "Anders", "Vik", "Polisen, BOPS", [Role.EXTERNAL_MEMBER]),
    ("skola.kista", "Fatima", "Ali", "Kista grundskola", [Role.EXTERNAL_MEMBER]),
    ("forening.jarva", "Ahmed", "Yusuf", "Föreningen Fotboll i Järva", [Role.EXTERNAL_MEMBER]),
    ("jobbtorg.stockholm", "Leila", "Berg", "Jobbtorg Stockholm", [Role.EXTERNAL_MEMBER]),
    ("samordnare", "Eva", "Dahl", "Rinkeby-Kista stadsdelsförvaltning", [Role.COORDINATOR]),
    # The central coordinator sits in the city-wide social-services administration: every district.
    ("samordnare.central", "Johan", "Åberg", "Socialförvaltningen, VBE-teamet", [Role.COORDINATOR]),
    ("administrator", "Nils", "Ström", "Stadens systemförvaltning", [Role.ADMINISTRATOR]),
    # The social-services administration's access approver: approves supervisors, external members,
    # organisations and units without a supervisor (never any supervisor at all).
    (
        "behorighetsansvarig",
        "Ingrid",
        "Norberg",
        "Socialförvaltningen, VBE-teamet",
        [Role.ACCESS_APPROVER],
    ),
]

# Fictitious people: given names, surname, YYMMDDNNN (the check digit is computed), unit, handler,
# activity, milieu, protection, journal entries (category, text), closed with this reason or "".
RK, ST, HV = (f"{d} stadsdelsförvaltning" for d in DISTRICTS)
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
        "100412345",
        RK,
        "socialsekreterare.rk",
        Activity.INTERVENTION_GROUP,
        Milieu.AUTONOMOUS,
        ProtectedIdentity.NONE,
        [("school_education", "Skolan oroar sig för kontakter utanför skolan. Vårdnadshavarna är med.")],
        "",
    ),
]


def with_check_digit(first_nine: str) -> str:
    """YYMMDDNNN plus the Luhn digit, as YYYYMMDDNNNC (born 1900-2099, as the text says)."""
    for digit in "0123456789":
        if personal_number.luhn_ok(first_nine + digit):
            return personal_number.normalise(first_nine[:6] + "-" + first_nine[6:] + digit)
    raise AssertionError("unreachable")


class Command(BaseCommand):
    help = "Load demo organisations, users (one per role) and cases. Only with LOTSA_DEMO=1."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("load_demo runs only in demo mode (LOTSA_DEMO=1): it prints passwords.")
        with transaction.atomic():
            organisations = self._organisations()
            users = self._users(organisations)
            self._cases(organisations, users)
        self._print(users)

    def _organisations(self) -> dict[str, Organisation]:
        result = {}
        for name, kind, district in ORGANISATIONS:
            result[name], _ = Organisation.objects.update_or_create(
                name=name, defaults={"kind": kind, "district": district, "is_active": True}
            )
        return result

    def _users(self, organisations) -> dict[str, User]:
        result = {}
        for username, given, surname, organisation, roles in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username)
                user.set_password(DEMO_PASSWORD)
            user.first_name, user.last_name = given, surname
            user.email = f"{username}@demo.lotsa.invalid"
            user.organisation = organisations[organisation]
            user.is_active = True
            user.save()
            for role in roles:
                RoleGrant.objects.get_or_create(user=user, role=role)
            if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.create(user=user, name="Lotsa demo", confirmed=True)
            result[username] = user
        return result

    def _cases(self, organisations, users) -> None:
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
            details = services.PersonDetails(
                given_names=given,
                surname=surname,
                contact={"phone": "070-000 00 00"},
                address={"street": "Demogatan 1", "postcode": "164 00", "town": "Stockholm"},
                protected_identity=protection,
            )
            case = services.case_open(
                by=worker, number=number, details=details, activity=activity, milieu=milieu
            )
            case = services.case_activate(by=worker, case_id=case.pk, expected_version=case.version)
            for category, text in journal:
                entry = services.journal_add(by=worker, case_id=case.pk, category=category, text=text)
                services.journal_sign(by=worker, entry_id=entry.pk)
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
        self._consents(organisations, users)
        self._groups(organisations, users)
        self._programme(organisations, users)
        self._first_contacts(organisations, users)
        self._first_contact_history(organisations, users)
        self._relatives(organisations, users)
        self._supervision(organisations, users)
        self._coordination(organisations, users)

    def _consents(self, organisations, users) -> None:
        """Adam Testsson consents to sharing school and work with the police in Järva and Jobbtorg."""
        from consent import services as consent_services
        from consent.models import Consent

        worker = users["socialsekreterare.rk"]
        case = (
            Case.objects.filter(responsible=worker, activity=Activity.INTERVENTION_GROUP)
            .order_by("opened_at")
            .first()
        )
        if case is None or Consent.objects.filter(person_id=case.person_id).exists():
            return
        today = timezone.localdate()
        consent_services.consent_record(
            by=worker,
            case_id=case.pk,
            terms=consent_services.ConsentTerms(
                purpose="intervention_group",
                purpose_text="",
                recipient_ids=[
                    organisations["Polisen, lokalpolisområde Järva"].pk,
                    organisations["Jobbtorg Stockholm"].pk,
                ],
                categories=["school_education", "work_income"],
                valid_from=today,
                valid_until=today + dt.timedelta(days=365),
                given_how="oral",
                witness="Karin Holm",
            ),
        )

    def _groups(self, organisations, users) -> None:
        """Two active intervention groups, one per band, with consent, members, a meeting, a plan,
        shared entries and a threat assessment whose review has fallen due."""
        from consent import services as consent_services
        from sig import services as sig
        from sig.models import InterventionGroup, ThreatAssessment

        worker = users["socialsekreterare.rk"]
        police, school = users["polis.jarva"], users["skola.kista"]
        club = users["forening.jarva"]
        today = timezone.localdate()
        for surname, partner, partner_org, child in (
            ("Fiktiv", users["jobbtorg.stockholm"], "Jobbtorg Stockholm", False),
            ("Prövare", school, "Kista grundskola", True),
        ):
            case = next(
                (
                    c
                    for c in Case.objects.filter(
                        responsible=worker, activity=Activity.INTERVENTION_GROUP
                    ).select_related("person")
                    if c.person.surname == surname
                ),
                None,
            )
            if case is None or InterventionGroup.objects.filter(case=case).exists():
                continue
            named = [
                organisations[name].pk
                for name in ("Polisen, lokalpolisområde Järva", partner_org, "Föreningen Fotboll i Järva")
            ]
            consent_services.consent_record(
                by=worker,
                case_id=case.pk,
                terms=consent_services.ConsentTerms(
                    purpose="intervention_group",
                    purpose_text="",
                    recipient_ids=named,
                    categories=[
                        "school_education",
                        "work_income",
                        "threat_protection",
                        "interventions_plans",
                    ],
                    valid_from=today,
                    valid_until=today + dt.timedelta(days=365),
                    given_how="oral",
                    witness="Karin Holm",
                    guardians_required=2 if child else 0,
                    guardians_consented=2 if child else 0,
                    child_own_consent=child,
                ),
            )
            group, _inside = sig.group_form(by=worker, case_id=case.pk)
            sig.member_add(by=worker, group_id=group.pk, user=police, role="police_contact")
            if partner is not None:
                role = "employment" if partner_org.startswith("Jobbtorg") else "school_contact"
                sig.member_add(by=worker, group_id=group.pk, user=partner, role=role)
            sig.member_add(by=worker, group_id=group.pk, user=club, role="mentor")
            sig.group_activate(by=worker, group_id=group.pk)
            sig.shared_entry_add(
                by=worker,
                group_id=group.pk,
                category="school_education",
                text="Närvaron har blivit bättre sedan förra mötet.",
            )
            sig.shared_entry_add(
                by=worker,
                group_id=group.pk,
                category="interventions_plans",
                text="Går på träningarna två gånger i veckan och trivs.",
                for_civil_society=True,
            )
            sig.shared_entry_add(
                by=police, group_id=group.pk, category="threat_protection", text="Inga kända hot just nu."
            )
            assessment = sig.threat_assess(
                by=police,
                group_id=group.pk,
                level="elevated",
                protection_need=False,
                notes="Kontakter i miljön finns kvar.",
            )
            # Demo only: this review has fallen due, so the flag shows.
            ThreatAssessment.objects.bypassing_guard("demo: an overdue review").filter(
                pk=assessment.pk
            ).update(next_review=today - dt.timedelta(days=2))
            sig.meeting_record(
                by=worker,
                group_id=group.pk,
                held_on=today - dt.timedelta(days=7),
                present_ids={m.pk for m in sig.current_members(group)},
                items=[("interventions_plans", "Gruppen gick igenom planen.")],
                decisions="Nästa möte om fyra veckor.",
            )
            sig.next_meeting_set(by=worker, group_id=group.pk, on=today + dt.timedelta(days=21))
            goal = sig.goal_add(by=worker, group_id=group.pk, text="En meningsfull sysselsättning")
            owner = organisations[partner_org].pk
            sig.action_add(
                by=worker,
                goal_id=goal.pk,
                owner_id=owner,
                text="Ett första samtal om praktik",
                due=today - dt.timedelta(days=3),
            )
            sig.action_add(
                by=worker,
                goal_id=goal.pk,
                owner_id=organisations["Polisen, lokalpolisområde Järva"].pk,
                text="Uppföljande samtal med polisen",
                due=today + dt.timedelta(days=14),
            )

    def _programme(self, organisations, users) -> None:
        """The defector programme: Jamal Provsson handed over from Rinkeby-Kista, the gate open, two
        interventions running and a protected placement; Cecilia Exempelsson handed over from
        Hässelby-Vällingby, at the gate with two items missing; Farid Påhittad's referral from
        Spånga-Tensta still undecided after 16 days (overdue)."""
        from cases.models import Handover
        from consent import services as consent_services
        from defectors import services as programme

        unit = organisations["Socialförvaltningen, avhopparverksamheten"]
        if Case.objects.filter(owner_unit=unit).exists():
            return
        bops = organisations["Polisen, BOPS"]
        lena, chef, anders = users["avhopparverksamheten"], users["enhetschef.avhopp"], users["polis.bops"]
        today = timezone.localdate()

        def consent(by, case, recipients, categories):
            consent_services.consent_record(
                by=by,
                case_id=case.pk,
                terms=consent_services.ConsentTerms(
                    purpose="defector_programme",
                    purpose_text="",
                    recipient_ids=[r.pk for r in recipients],
                    categories=categories,
                    valid_from=today,
                    valid_until=today + dt.timedelta(days=365),
                    given_how="oral",
                    witness="Karin Holm",
                ),
            )

        def hand_over(surname, worker, note):
            case = next(
                c
                for c in Case.objects.filter(responsible=worker).select_related("person")
                if c.person.surname == surname
            )
            consent(worker, case, [unit, bops], ["identity_contact", "threat_protection"])
            return services.handover_send(
                by=worker, case_id=case.pk, to_unit_id=unit.pk, purpose="defector_programme", note=note
            )

        jamal = services.handover_accept(
            by=lena,
            handover_id=hand_over(
                "Provsson",
                users["socialsekreterare.rk"],
                "Vill lämna miljön. Polisen bedömer hotet som högt.",
            ).pk,
        )
        consent(lena, jamal, [bops], ["threat_protection", "interventions_plans"])
        programme.bops_assess(
            by=anders,
            person_id=jamal.person_id,
            level="high",
            special_protection_need=True,
            notes="Hot från tidigare kontakter.",
        )
        programme.conditions_record(
            by=lena, case_id=jamal.pk, signed_on=today - dt.timedelta(days=10), witness="Anders Vik, BOPS"
        )
        programme.not_protected_witness_confirm(by=lena, case_id=jamal.pk)
        decision = programme.decision_prepare(
            by=lena,
            case_id=jamal.pk,
            section="sol_4_1",
            text="Bistånd i form av boende med stöd och skuldrådgivning.",
        )
        programme.decision_review(by=chef, decision_id=decision.pk, approve=True, note="")
        budget = programme.intervention_add(
            by=lena,
            case_id=jamal.pk,
            kind="budget_debt",
            section="sol_4_1",
            provider="Budget- och skuldrådgivningen",
            starts_on=today - dt.timedelta(days=5),
            planned_end=today + dt.timedelta(days=90),
        )
        programme.intervention_update(
            by=lena,
            intervention_id=budget.pk,
            status="ongoing",
            follow_up="Första mötet hållet.",
            expected_version=1,
        )
        flat = programme.intervention_add(
            by=lena,
            case_id=jamal.pk,
            kind="training_flat",
            section="sol_4_1",
            provider="Stadens bostadssociala enhet",
            starts_on=today - dt.timedelta(days=3),
            planned_end=today + dt.timedelta(days=180),
        )
        programme.placement_add(
            by=lena,
            intervention_id=flat.pk,
            address={"street": "Skyddad väg 12", "postcode": "123 45", "town": "Stockholm"},
            protected_housing=True,
            outside_stockholm=False,
        )
        cecilia = services.handover_accept(
            by=lena,
            handover_id=hand_over(
                "Exempelsson", users["socialsekreterare.hv"], "Behöver skydd skyndsamt."
            ).pk,
        )
        consent(lena, cecilia, [bops], ["threat_protection"])
        programme.bops_assess(
            by=anders, person_id=cecilia.person_id, level="high", special_protection_need=True, notes=""
        )
        programme.not_protected_witness_confirm(by=lena, case_id=cecilia.pk)
        farid = hand_over("Påhittad", users["socialsekreterare.st"], "Hänvisning efter polisens bedömning.")
        # Demo only: sent 16 days ago, so the overdue flag shows.
        Handover.objects.bypassing_guard("demo: an overdue referral").filter(pk=farid.pk).update(
            sent_at=timezone.now() - dt.timedelta(days=16)
        )

    def _first_contacts(self, organisations, users) -> None:
        """The VBE team's first contacts: Oskar Demoson accepted help and was handed over to
        Rinkeby-Kista, which accepted; Petra Provsdotter declined; Rasmus Exempelson has a daughter, for
        whom the police made a report of concern that Rinkeby-Kista assessed and opened a case for."""
        from cases.models import FirstContact
        from consent import services as consent_services

        team = organisations["Socialförvaltningen, VBE-teamet"]
        if FirstContact.objects.filter(case__owner_unit=team).exists():
            return
        omar, amina = users["vbe-teamet"], users["socialsekreterare.rk"]
        rk = organisations[RK]
        today = timezone.localdate()

        def first_contact(given, surname, nine, milieu, outcome, children_reason=""):
            case = services.first_contact_open(
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
                request=services.FirstContactRequest(
                    referrer="security_service" if outcome == "accepted_help" else "police",
                    referrer_detail="Polisregion Stockholm",
                    flagged_on=today - dt.timedelta(days=20),
                    has_minor_children=bool(children_reason),
                    children_reason=children_reason,
                ),
            )
            services.first_contact_meeting_record(
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
        services.journal_sign(by=omar, entry_id=entry.pk)
        handover = services.handover_send(
            by=omar, case_id=oskar.pk, to_unit_id=rk.pk, purpose="handover", note="Tackade ja vid mötet."
        )
        services.handover_accept(by=amina, handover_id=handover.pk)
        first_contact("Petra", "Provsdotter", "890909456", Milieu.UNCLEAR, "declined")
        rasmus = first_contact(
            "Rasmus",
            "Exempelson",
            "850505567",
            Milieu.VIOLENT_ISLAMIST,
            "other_help",
            children_reason="Dottern bor med sin mamma; oro för henne anmäls av polisen.",
        )
        report = services.concern_report_record(
            by=omar,
            case_id=rasmus.pk,
            to_unit_id=rk.pk,
            child=services.ChildDetails(
                number=with_check_digit("160606123"), given_names="Saga", surname="Exempelson"
            ),
            reported_by_police="Maria Falk, Polisen Järva",
            concern="Pappan har tagit med dottern till möten i miljön.",
            reported_on=today - dt.timedelta(days=9),
        )
        services.concern_report_assess(
            by=amina, report_id=report.pk, open_case=True, note="Utredning inleds."
        )

    def _first_contact_history(self, organisations, users) -> None:
        """Three years of the VBE team's earlier first contacts, met and closed, so that the coordinator's
        indicator of accepted help has a trend to show (more accepted each year). Fictitious people,
        seeded: the same every time."""
        import random

        from cases.models import FirstContact

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
                case = services.first_contact_open(
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
                    request=services.FirstContactRequest(
                        referrer=rng.choice(["police", "police", "security_service"]),
                        referrer_detail="Polisregion Stockholm",
                        flagged_on=flagged,
                        has_minor_children=False,
                    ),
                )
                services.first_contact_meeting_record(
                    by=omar,
                    case_id=case.pk,
                    held_on=min(flagged + dt.timedelta(days=7 + rng.randrange(21)), today),
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

    def _relatives(self, organisations, users) -> None:
        """Maria Testsson, Adam's mother, a client in her own right: Rinkeby-Kista opened her support
        case, recorded the relation (seen only by her handler) and handed her over to the treatment unit
        under her own consent; the unit accepted and holds support conversations with her."""
        from consent import services as consent_services
        from relatives import services as relatives

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
        handover = services.handover_send(
            by=amina,
            case_id=mother.pk,
            to_unit_id=treatment.pk,
            purpose="relative_support",
            note="Stödsamtal.",
        )
        own = services.handover_accept(by=erik, handover_id=handover.pk)
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

    def _supervision(self, organisations, users) -> None:
        """Rinkeby-Kista's supervisor reviews the access log every 30 days: the log holds two past
        months of work (replayed at their times, as reads of the district's people), the earlier month's
        review is signed off, the last month's waits for its marks. The administrator wrote the
        needs-and-risk analyses of the district's roles; the social workers' is approved, the
        supervisors' waits for Karin's approval."""
        from unittest import mock

        from audit import services as audit
        from audit.models import Action, Outcome
        from supervision import services as supervision
        from supervision.models import LogReview, NeedsRiskAnalysis

        karin, amina, admin = users["enhetschef.rk"], users["socialsekreterare.rk"], users["administrator"]
        district = organisations[RK]
        if LogReview.objects.filter(organisation=district).exists():
            return
        if not NeedsRiskAnalysis.objects.filter(organisation=district).exists():
            social = supervision.analysis_write(
                by=admin,
                organisation_id=district.pk,
                role=Role.SOCIAL_WORKER,
                needs="Läser och skriver i de ärenden hen är ansvarig för eller tilldelad; söker personer "
                "på personnummer för att undvika dubbla ärenden.",
                risks="Nyfikenhet i andras ärenden: bara tilldelade ärenden visas, nödåtkomst kräver skäl "
                "och granskas. Skyddade personuppgifter: adressen visas bara för namngivna handläggare.",
            )
            supervision.analysis_approve(by=karin, analysis_id=social.pk)
            supervision.analysis_write(
                by=admin,
                organisation_id=district.pk,
                role=Role.SUPERVISOR,
                needs="Läser enhetens ärenden för att fördela och följa upp dem, och granskar åtkomstloggen.",
                risks="Bred läsbehörighet: chefen ändrar inga ärenden, och chefens egna läsningar granskas "
                "av nästa chefsled.",
            )
        people = list(Case.objects.filter(owner_unit=district).values_list("person_id", flat=True))
        if not people:
            return
        today = timezone.localdate()
        zone = timezone.get_current_timezone()

        def replay(day: dt.date, hour: int, minute: int, **fields) -> None:
            moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), zone)
            clock = mock.Mock(wraps=timezone, now=lambda: moment)
            with mock.patch.object(audit, "timezone", clock):
                audit.append([audit.Event(**fields)])

        colleague = users["socialsekreterare.st"]
        for back in range(60, 0, -1):
            day = today - dt.timedelta(days=back)
            if day.weekday() >= 5:
                continue
            for n, person in enumerate(people):
                replay(
                    day,
                    9 + n % 7,
                    5 * n % 60,
                    action=Action.VIEW,
                    actor=amina,
                    target_type="cases.case",
                    subject_id=person,
                    purpose="case page",
                    reason="assigned to the case",
                )
            if back % 9 == 0:
                replay(
                    day,
                    21,
                    40,
                    action=Action.VIEW,
                    actor=amina,
                    target_type="cases.case",
                    subject_id=people[0],
                    purpose="case page",
                    reason="assigned to the case",
                )
            if back % 10 == 3:
                for minute in (1, 2, 4):
                    replay(
                        day,
                        14,
                        minute,
                        action=Action.VIEW,
                        outcome=Outcome.DENIED,
                        actor=colleague,
                        target_type="cases.case",
                        subject_id=people[-1],
                        reason="consent: no ground",
                    )
        supervision.review_plan_set(by=karin, every_days=30, random_samples=6, per_rule=2)
        first = supervision.review_draw(
            by=karin, start=today - dt.timedelta(days=60), end=today - dt.timedelta(days=31)
        )
        for item in first.items.all():
            if "outside_hours" in item.reasons:
                note = "Kvällsbesök efter larm från skolan; kontrollerat med handläggaren."
                supervision.review_item_mark(by=karin, item_id=item.pk, mark="follow_up", note=note)
            else:
                supervision.review_item_mark(by=karin, item_id=item.pk, mark="in_order", note="")
        supervision.review_sign_off(
            by=karin,
            review_id=first.pk,
            conclusion="Åtkomsten var i sin ordning. Kvällsläsningar följs upp på nästa arbetsplatsträff.",
        )
        supervision.review_draw(
            by=karin, start=today - dt.timedelta(days=30), end=today - dt.timedelta(days=1)
        )
        # Adam asked what has been done with his data: Amina prepared the extract, Karin approved it;
        # the next one waits for Karin.
        cases = list(Case.objects.filter(owner_unit=district, responsible=amina).order_by("opened_at")[:2])
        for case, approve in zip(cases, (True, False), strict=False):
            extract = supervision.subject_access_prepare(
                by=amina, case_id=case.pk, with_staff_names=False, reason=""
            )
            if approve:
                supervision.subject_access_decide(by=karin, extract_id=extract.pk, approve=True, note="")

    def _coordination(self, organisations, users) -> None:
        """A year of de-identified reports from staff in the three districts, more in some months than
        in others, so that the coordinator's pictures show something. Seeded: the same every time."""
        import random

        from coordination.models import AgeBand, DeidentifiedReport, Setting
        from coordination.services import deidentified_report_send

        if DeidentifiedReport.objects.exists():
            return
        rng = random.Random(2026)
        areas = {
            RK: ["Rinkeby", "Kista", "Husby", "Akalla"],
            ST: ["Tensta", "Hjulsta", "Spånga"],
            HV: ["Hässelby", "Vällingby", "Råcksta"],
        }
        senders = [
            users[name]
            for name in (
                "socialsekreterare.rk",
                "socialsekreterare.st",
                "socialsekreterare.hv",
                "skola.kista",
                "forening.jarva",
                "polis.jarva",
                "vbe-teamet",
            )
        ]
        texts = {
            Setting.SCHOOL: [
                "Elev har visat symboler från en våldsbejakande rörelse på skolan och i klassrummet.",
                "Lärare har hört elever tala positivt om attentat på rasten.",
                "Propagandaklistermärken på skolans toaletter.",
            ],
            Setting.ONLINE: [
                "Ungdom delar våldsbejakande filmklipp i en klassgrupp i sociala medier.",
                "Rekrytering till en grupp i en chattapp, enligt flera ungdomar.",
            ],
            Setting.LEISURE: [
                "Personal på fritidsgården har sett en grupp äldre värva yngre till träning med kampinslag.",
                "Affischer för en extrem organisation uppsatta vid fritidsgården.",
            ],
            Setting.PUBLIC_PLACE: [
                "Flygblad med hatbudskap delades ut vid tunnelbanan.",
                "Klotter med hot mot en religiös församling i centrum.",
            ],
            Setting.HOME: ["Förälder berättar om oro för att tonåringen dras till en extrem miljö."],
            Setting.SOCIAL_SERVICES: [
                "I ett samtal om annat kom uppgifter fram om resor till en konfliktzon."
            ],
        }
        milieus = [Milieu.VIOLENT_ISLAMIST, Milieu.WHITE_POWER, Milieu.AUTONOMOUS, Milieu.UNCLEAR]
        today = timezone.localdate()
        for back in range(365, 0, -1):
            day = today - dt.timedelta(days=back)
            # Autumn and spring terms bring more reports than the summer.
            chance = 0.1 if day.month in (6, 7, 8) else 0.45
            if rng.random() > chance:
                continue
            district = rng.choice([RK, RK, ST, HV])
            setting = rng.choice(list(texts))
            deidentified_report_send(
                by=rng.choice(senders),
                administration_id=organisations[district].pk,
                area=rng.choice(areas[district]),
                occurred_on=day,
                kind=rng.choice(["concern", "concern", "event"]),
                milieu=rng.choice(milieus),
                setting=setting,
                age_band=rng.choice([AgeBand.FROM_13_TO_15, AgeBand.FROM_16_TO_17, AgeBand.FROM_18_TO_24]),
                description=rng.choice(texts[setting]),
            )
        self._situation_picture(organisations, users)

    def _situation_picture(self, organisations, users) -> None:
        """Rinkeby-Kista's situation picture for this year, written after the meeting with the local
        police and revised once."""
        from coordination.models import SituationPicture
        from coordination.services import situation_picture_write

        district = organisations[RK]
        year = timezone.localdate().year
        if SituationPicture.objects.filter(administration=district, year=year).exists():
            return
        for police in (
            "Lokalpolisen ser en fortsatt närvaro av våldsbejakande islamism i området och enstaka "
            "aktiviteter från vit makt-miljön kring skolstarten.",
            "Lokalpolisen ser en fortsatt närvaro av våldsbejakande islamism i området. Aktiviteterna "
            "från vit makt-miljön har minskat under hösten.",
        ):
            situation_picture_write(
                by=users["samordnare"],
                administration_id=district.pk,
                year=year,
                coordinator_assessment=(
                    "Rapporterna om oro kommer främst från skolor och fritidsgårdar, med fler under "
                    "terminerna än under sommaren. Rekrytering sker allt oftare i sociala medier."
                ),
                police_assessment=police,
            )

    def _print(self, users) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo users (every one logs in with password and a TOTP code):"))
        self.stdout.write(f"  password for all: {DEMO_PASSWORD}")
        for username, *_rest, roles in USERS:
            device = TOTPDevice.objects.filter(user=users[username], confirmed=True).first()
            secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
            role_names = ", ".join(str(Role(r).label) for r in roles)
            self.stdout.write(f"  {username:<22} {role_names:<26} TOTP secret {secret}")
        self.stdout.write("")
        first = PEOPLE[0]
        self.stdout.write(
            f"Try: log in as {first[4]}, choose 'Hitta en person' and search for "
            f"{personal_number.formatted(with_check_digit(first[2]))} ({first[0]} {first[1]}, fictitious)."
        )
        self.stdout.write("Add a secret to any authenticator app, or print the current code with")
        self.stdout.write("  LOTSA_DEMO=1 .venv/bin/python manage.py demo_code <username>")
