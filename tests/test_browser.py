"""A real browser (Playwright driving Debian's Chromium) logs in with the second factor.

Each page visited is checked with axe-core for accessibility violations.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from tests.factories import PASSWORD, UserFactory
from tests.helpers import current_code, login_verified

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
# synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_first_login_enrols_the_second_factor_and_reaches_the_start_page(live_server, page):
    user = UserFactory(username="browser.user", first_name="Britta")
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert_accessible(page)
    page.get_by_label("Användarnamn").fill(user.username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Fortsätt").click()

    page.wait_for_url(re.compile(r"/accounts/login/enrol/$"))
    assert_accessible(page)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    shown = page.locator("#totp-secret").inner_text().replace(" ", "")
    from base64 import b32encode

    assert shown == b32encode(device.bin_key).decode().rstrip("=")
    page.get_by_label("Kod från din autentiseringsapp").fill(current_code(device))
    page.get_by_role("button", name="Bekräfta och logga in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Välkommen, Britta"
    assert_accessible(page)

    # English is one click away.
    page.get_by_label("Språk").select_option("en")
    page.get_by_role("button", name="Byt").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Britta"
    assert_accessible(page)


def test_returning_user_logs_in_with_a_code(live_server, page):
    user = UserFactory(username="returning.user", first_name="Rolf")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Användarnamn").fill(user.username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url(re.compile(r"/accounts/login/code/$"))
    assert_accessible(page)
    page.get_by_label("Kod från din autentiseringsapp").fill(current_code(device))
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Välkommen, Rolf"


def log_in(page, live_server, user) -> None:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Användarnamn").fill(user.username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Fortsätt").click()
    page.get_by_label("Kod från din autentiseringsapp").fill(current_code(device))
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_a_social_worker_opens_a_case_and_writes_signs_and_corrects_an_entry(live_server, page):
    from accounts.roles import Role
    from tests.factories import OrganisationFactory, valid_number

    unit = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    worker = UserFactory(username="amina", first_name="Amina", organisation=unit, roles=[Role.SOCIAL_WORKER])
    log_in(page, live_server, worker)
    number = valid_number(777)

    page.get_by_role("link", name="Hitta en person").first.click()
    assert_accessible(page)
    page.get_by_label("Personnummer").fill(number)
    page.get_by_role("button", name="Sök").click()
    page.get_by_text("Du har inget ärende för en person med det här numret.").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Öppna ett ärende för det här numret").click()

    assert page.get_by_role("textbox", name="Personnummer").input_value() == number
    assert_accessible(page)
    page.get_by_label("Förnamn").fill("Sam")
    page.get_by_label("Efternamn").fill("Exempelsson")
    page.get_by_label("Verksamhet").select_option("intervention_group")
    page.get_by_role("button", name="Öppna ärendet").click()
    page.get_by_role("heading", name="Sam Exempelsson").wait_for()
    assert_accessible(page)

    # An empty entry: the browser lets the form go (novalidate, no English bubble), and the server's
    # Swedish message is shown in the journal, where the post lands.
    page.get_by_role("button", name="Spara utkast").click()
    journal = page.locator("section.journal")
    # The summary links to the field, and the message stands at the field.
    journal.get_by_role("link", name="Anteckning: Skriv något i anteckningen.").wait_for()
    assert journal.get_by_text("Skriv något i anteckningen.", exact=True).is_visible()
    assert page.url.endswith("#journal")
    assert_accessible(page)
    page.get_by_label("Informationskategori").select_option("housing")
    page.get_by_label("Anteckning").fill("Har fått en träningslägenhet.")
    page.get_by_role("button", name="Spara utkast").click()
    page.get_by_text("Utkast, inte signerad").wait_for()
    # Signing asks first: what will happen, then the act.
    page.get_by_role("link", name="Signera").click()
    page.get_by_role("heading", name="Signera journalanteckningen?").wait_for()
    assert page.get_by_text("den kan aldrig ändras eller raderas").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Signera anteckningen").click()
    page.locator("section.journal").get_by_text("Anteckningen signerades.").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Rätta").click()
    assert_accessible(page)
    page.get_by_label("Anteckning").fill("Har fått en träningslägenhet i Kista, inte i Tensta.")
    page.get_by_role("button", name="Spara rättelsen som utkast").click()
    page.get_by_role("link", name="Signera").click()
    page.get_by_role("button", name="Signera anteckningen").click()
    page.get_by_text("Anteckningen signerades.").wait_for()
    journal = page.locator("section.journal")
    assert journal.get_by_text("Har fått en träningslägenhet.").is_visible()
    assert journal.get_by_text("Har fått en träningslägenhet i Kista, inte i Tensta.").is_visible()
    assert journal.get_by_text("Rättad genom anteckningen från").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Mina ärenden").first.click()
    page.get_by_role("link", name="Exempelsson, Sam").wait_for()
    assert_accessible(page)


def test_a_social_worker_records_and_withdraws_a_consent(live_server, page):
    from accounts.models import OrganisationKind
    from accounts.roles import Role
    from cases import services
    from tests.factories import OrganisationFactory, valid_number

    unit = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    OrganisationFactory(name="Polisen Järva", kind=OrganisationKind.POLICE)
    OrganisationFactory(name="Jobbtorg Stockholm", kind=OrganisationKind.JOBBTORG)
    worker = UserFactory(username="karin", first_name="Karin", organisation=unit, roles=[Role.SOCIAL_WORKER])
    case = services.case_open(
        by=worker,
        number=valid_number(31),
        details=services.PersonDetails(
            given_names="Alva", surname="Exempel", contact={}, address={}, protected_identity="none"
        ),
        activity="intervention_group",
        milieu="unclear",
    )
    log_in(page, live_server, worker)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_role("link", name="Registrera ett samtycke").click()
    assert_accessible(page)
    page.get_by_label("Polisen Järva").check()
    page.get_by_label("Jobbtorg Stockholm").check()
    page.get_by_label("Boende").check()
    page.get_by_label("Arbete och försörjning").check()
    page.get_by_role("radio", name="Muntligt").check()
    page.get_by_label("Vittne (för ett muntligt samtycke)").fill("Vera Vittne")
    page.get_by_role("button", name="Registrera samtycket").click()
    page.get_by_text("Samtycket registrerades.").wait_for()
    scope = page.locator("blockquote.scope").inner_text()
    assert "Polisen Järva" in scope and "boende" in scope and "arbete och försörjning" in scope
    assert_accessible(page)

    # Withdrawing asks first. Confirmed without saying how: the server's Swedish message, at the form.
    page.get_by_role("link", name="Återkalla").click()
    page.get_by_role("heading", name="Återkalla samtycket?").wait_for()
    stops = page.locator("li", has_text="ser inte längre det som samtycket omfattade").inner_text()
    assert "Polisen Järva" in stops and "Jobbtorg Stockholm" in stops
    assert_accessible(page)
    page.get_by_role("button", name="Återkalla samtycket").click()
    page.locator("form#act").get_by_text("Ange hur personen återkallade samtycket.").wait_for()
    assert_accessible(page)
    page.get_by_role("radio", name="Muntligt").check()
    page.get_by_role("button", name="Återkalla samtycket").click()
    page.get_by_text("Samtycket återkallades.").wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == "Samtycke: Återkallat"
    assert_accessible(page)
    page.get_by_role("link", name="Tillbaka till ärendet").click()
    page.get_by_text("Ingen organisation utanför enheten får se något om personen just nu.").wait_for()
    assert_accessible(page)


def test_a_coordinator_takes_a_group_from_forming_to_active_holds_a_meeting_and_plans_an_action(
    live_server, page
):
    import datetime as dt

    from accounts.models import OrganisationKind
    from accounts.roles import Role
    from cases import services as case_services
    from consent import services as consent_services
    from tests.factories import OrganisationFactory, valid_number

    unit = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    police_org = OrganisationFactory(name="Polisen Järva", kind=OrganisationKind.POLICE)
    coordinator = UserFactory(
        username="samir",
        first_name="Samir",
        last_name="Koordinator",
        organisation=unit,
        roles=[Role.SOCIAL_WORKER],
    )
    UserFactory(
        username="maria",
        first_name="Maria",
        last_name="Polis",
        organisation=police_org,
        roles=[Role.EXTERNAL_MEMBER],
    )
    case = case_services.case_open(
        by=coordinator,
        number=valid_number(2024),
        details=case_services.PersonDetails(
            given_names="Elin", surname="Fiktiv", contact={}, address={}, protected_identity="none"
        ),
        activity="intervention_group",
        milieu="unclear",
    )
    consent_services.consent_record(
        by=coordinator,
        case_id=case.pk,
        terms=consent_services.ConsentTerms(
            purpose="intervention_group",
            purpose_text="",
            recipient_ids=[police_org.pk],
            categories=["work_income", "interventions_plans"],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=365),
            given_how="oral",
            witness="V",
        ),
    )
    log_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_role("button", name="Bilda en insatsgrupp").click()
    page.get_by_text("Insatsgruppen bildades.").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Lägg till en medlem").click()
    assert_accessible(page)
    page.get_by_label("Medlem").select_option(label="Maria Polis (Polisen Järva)")
    page.get_by_label("Roll i gruppen").select_option("police_contact")
    page.get_by_role("button", name="Lägg till", exact=True).click()
    page.get_by_text("Medlemmen lades till.").wait_for()
    page.get_by_role("button", name="Aktivera gruppen").click()
    page.get_by_text("Gruppen är aktiv.").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Registrera ett möte").click()
    assert_accessible(page)
    page.get_by_label("Samir Koordinator (Rinkeby-Kista stadsdelsförvaltning)").check()
    page.get_by_label("Maria Polis (Polisen Järva)").check()
    page.get_by_label("Protokollets informationskategori").select_option("interventions_plans")
    page.get_by_role("textbox", name="Protokoll").fill("Gruppen gick igenom läget.")
    page.get_by_role("button", name="Spara mötet").click()
    page.get_by_text("Mötet registrerades.").wait_for()

    page.get_by_label("Mål:", exact=True).fill("Ett arbete")
    page.get_by_role("button", name="Lägg till målet").click()
    page.get_by_text("Målet lades till.").wait_for()
    page.get_by_label("Åtgärd:", exact=True).fill("Praktik via polisens kontakter")
    page.get_by_label("Ansvarig organisation").select_option(label="Polisen Järva")
    page.get_by_label("Senast").fill((dt.date.today() + dt.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Lägg till åtgärden").click()
    page.get_by_text("Åtgärden lades till i planen.").wait_for()
    assert page.get_by_text("Praktik via polisens kontakter").is_visible()
    assert_accessible(page)


def test_the_defector_programme_accepts_a_referral_and_plans_support_behind_the_gate(live_server, page):
    import datetime as dt

    from accounts.models import OrganisationKind
    from accounts.roles import Role
    from cases.handovers import services as handover_services
    from consent import services as consent_services
    from defectors import services as programme
    from tests.factories import CaseFactory, OrganisationFactory, PersonFactory

    district = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    unit = OrganisationFactory(name="Avhopparverksamheten", kind=OrganisationKind.DEFECTOR_PROGRAMME)
    bops = OrganisationFactory(name="Polisen BOPS", kind=OrganisationKind.BOPS)
    sender = UserFactory(username="amina", organisation=district, roles=[Role.SOCIAL_WORKER])
    lena = UserFactory(username="lena", first_name="Lena", organisation=unit, roles=[Role.DEFECTOR_PROGRAMME])
    chef = UserFactory(username="maja", organisation=unit, roles=[Role.SUPERVISOR])
    anders = UserFactory(username="anders", organisation=bops, roles=[Role.EXTERNAL_MEMBER])
    case = CaseFactory(
        person=PersonFactory(given_names="Jamal", surname="Provsson", organisation=district),
        owner_unit=district,
        responsible=sender,
        activity="defector_programme",
    )
    today = dt.date.today()

    def consent(by, case_id, recipients, categories):
        consent_services.consent_record(
            by=by,
            case_id=case_id,
            terms=consent_services.ConsentTerms(
                purpose="defector_programme",
                purpose_text="",
                recipient_ids=[r.pk for r in recipients],
                categories=categories,
                valid_from=today,
                valid_until=today + dt.timedelta(days=180),
                given_how="oral",
                witness="V",
            ),
        )

    from guardian.shortcuts import assign_perm

    assign_perm("cases.view_case", sender, case)
    consent(sender, case.pk, [unit, bops], ["threat_protection"])
    handover_services.handover_send(
        by=sender,
        case_id=case.pk,
        to_unit_id=unit.pk,
        purpose="defector_programme",
        note="Vill lämna miljön.",
    )

    log_in(page, live_server, lena)
    page.get_by_role("link", name="1 överlämning väntar på din enhets beslut").click()
    page.get_by_role("heading", name="Överlämningar och hänvisningar").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Provsson, Jamal").click()
    page.get_by_text("Vill lämna miljön.").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Acceptera och öppna ett ärende").click()
    page.get_by_text("Överlämningen accepterades").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Avhopparverksamheten: grind och insatser").click()
    page.get_by_role("heading", name="Villkoren innan stödet börjar").wait_for()
    assert page.get_by_text("Stöd kan planeras när alla villkor är uppfyllda.").is_visible()
    assert_accessible(page)

    from cases.models import Case

    own = Case.objects.get(owner_unit=unit)
    consent(lena, own.pk, [bops], ["threat_protection"])
    programme.bops_assess(
        by=anders, person_id=own.person_id, level="high", special_protection_need=True, notes=""
    )
    page.reload()
    page.get_by_label("Undertecknad den").fill(today.isoformat())
    page.get_by_label("Vem som bevittnade underskriften").fill("Anders Vik, BOPS")
    page.get_by_role("button", name="Registrera den undertecknade blanketten").click()
    page.get_by_text("Den undertecknade villkorsblanketten registrerades.").wait_for()
    page.get_by_role("button", name="Bekräfta: polisen uppger att personen inte är skyddat vittne").click()
    page.get_by_text("Registrerat: personen är inte skyddat vittne.").wait_for()
    page.get_by_label("Beslutet").fill("Bistånd i form av boende med stöd.")
    page.get_by_role("button", name="Skicka beslutet för godkännande").click()
    page.get_by_text("Beslutet väntar på enhetschefens godkännande.").wait_for()
    assert_accessible(page)
    decision = own.support_decisions.get()
    programme.decision_review(by=chef, decision_id=decision.pk, approve=True, note="")

    page.reload()
    page.get_by_text("Alla fem villkor är uppfyllda: stöd kan planeras.").wait_for()
    page.locator("#id_intervention-kind").select_option("training_flat")
    page.get_by_label("Utförare").fill("Stadens bostadssociala enhet")
    page.locator("#id_intervention-starts_on").fill(today.isoformat())
    page.get_by_role("button", name="Lägg till i planen").click()
    page.get_by_text("Insatsen lades till i planen.").wait_for()
    assert_accessible(page)
    page.get_by_text("Registrera placeringen").first.click()
    page.get_by_label("Gatuadress").fill("Skyddad väg 12")
    page.get_by_label("Ort").fill("Stockholm")
    page.get_by_label("Skyddat boende").check()
    page.get_by_role("button", name="Registrera placeringen").click()
    page.get_by_text("Placeringen registrerades.").wait_for()
    assert page.get_by_text("Skyddad väg 12").is_visible()
    assert page.get_by_text("Sätta personens skyddsnivå?").is_visible()
    assert_accessible(page)


def test_the_vbe_team_opens_a_first_contact_meets_the_person_and_reports_concern_for_a_child(
    live_server, page
):
    import datetime as dt

    from accounts.models import OrganisationKind
    from accounts.roles import Role
    from cases.models import ConcernReport
    from tests.factories import OrganisationFactory, valid_number

    team = OrganisationFactory(name="VBE-teamet", kind=OrganisationKind.VBE_TEAM)
    OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning", district="Rinkeby-Kista")
    omar = UserFactory(username="omar", first_name="Omar", organisation=team, roles=[Role.VBE_TEAM])
    today = dt.date.today().isoformat()
    log_in(page, live_server, omar)

    page.get_by_role("link", name="Ny första kontakt").click()
    page.get_by_role("heading", name="En begäran om första kontakt").wait_for()
    assert_accessible(page)
    page.get_by_role("textbox", name="Personnummer").fill(valid_number(8080))
    page.get_by_label("Förnamn").fill("Oskar")
    page.get_by_label("Efternamn").fill("Demoson")
    page.get_by_label("Uppmärksammad av").select_option("security_service")
    page.get_by_label("Uppmärksammad den").fill(today)
    page.get_by_label("Har minderåriga barn").select_option("true")
    page.get_by_role("button", name="Öppna den första kontakten").click()
    page.get_by_text("Personen har minderåriga barn: skriv varför teamet går vidare").wait_for()
    assert_accessible(page)
    page.get_by_label("Om personen har barn: varför teamet går vidare").fill("Barnen bor hos mamman.")
    page.get_by_role("button", name="Öppna den första kontakten").click()
    page.get_by_role("heading", name="Första kontakt: Oskar Demoson").wait_for()
    assert_accessible(page)

    page.locator("#id_meeting-vbe_participants").fill("Omar Nilsson")
    page.locator("#id_meeting-police_participants").fill("Maria Falk")
    page.locator("#id_meeting-outcome").select_option("accepted_help")
    page.get_by_role("button", name="Registrera mötet").click()
    page.get_by_text("Mötet registrerades.").wait_for()
    assert page.get_by_text("Tackade ja till stöd").first.is_visible()
    assert_accessible(page)

    page.get_by_text("Registrera en orosanmälan").click()
    page.locator("#id_concern-to_unit").select_option(label="Rinkeby-Kista stadsdelsförvaltning")
    page.locator("#id_concern-child_number").fill("20150301-1239")
    page.locator("#id_concern-child_given_names").fill("Saga")
    page.locator("#id_concern-child_surname").fill("Demoson")
    page.locator("#id_concern-reported_by_police").fill("Maria Falk, Polisen Järva")
    page.locator("#id_concern-reported_on").fill(today)
    page.locator("#id_concern-concern").fill("Oro för barnet.")
    page.get_by_role("button", name="Skicka anmälan till stadsdelsförvaltningen").click()
    page.get_by_text("Orosanmälan skickades till stadsdelsförvaltningen").wait_for()
    assert_accessible(page)
    report = ConcernReport.objects.get()
    assert report.child.given_names == "Saga" and report.disclosure_ref is not None

    page.goto(f"{live_server.url}/cases/concern-reports/")
    page.get_by_role("link", name="Demoson, Saga").click()
    page.get_by_text("Anmälningsplikt vid oro för ett barn").wait_for()
    assert_accessible(page)


def test_a_supervisor_reviews_the_access_log_and_sees_who_accessed_a_person(live_server, page):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from accounts.roles import Role
    from audit import services as audit
    from audit.models import Action
    from supervision.models import LogReview
    from tests.factories import CaseFactory, OrganisationFactory, PersonFactory

    district = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    worker = UserFactory(username="amina", organisation=district, roles=[Role.SOCIAL_WORKER])
    karin = UserFactory(username="karin", first_name="Karin", organisation=district, roles=[Role.SUPERVISOR])
    case = CaseFactory(
        person=PersonFactory(given_names="Adam", surname="Provsson", organisation=district),
        owner_unit=district,
        responsible=worker,
    )
    last_week = timezone.localdate() - dt.timedelta(days=7)
    zone = timezone.get_current_timezone()
    for hour in (10, 11, 22):
        moment = timezone.make_aware(dt.datetime.combine(last_week, dt.time(hour, 15)), zone)
        with time_machine.travel(moment, tick=False):
            audit.append(
                [
                    audit.Event(
                        action=Action.VIEW, actor=worker, target_type="cases.case", subject_id=case.person_id
                    )
                ]
            )
    log_in(page, live_server, karin)

    page.get_by_role("link", name="Enheten har ingen plan för granskning av åtkomstloggen.").click()
    page.get_by_role("heading", name="Granskningar av åtkomstloggen").wait_for()
    assert_accessible(page)
    page.get_by_label("Slumpvisa händelser per granskning").fill("2")
    page.get_by_label("Händelser per riskregel").fill("1")
    page.get_by_role("button", name="Spara planen").click()
    page.get_by_text("Granskningsplanen sparades.").wait_for()
    page.get_by_label("Från").fill((last_week - dt.timedelta(days=3)).isoformat())
    page.get_by_label("Till").fill((last_week + dt.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Dra urvalet").click()
    page.get_by_text("Urvalet drogs.").wait_for()
    assert_accessible(page)
    review = LogReview.objects.get()
    assert page.get_by_text("Utanför arbetstid").first.is_visible()
    for item in review.items.all():
        article = page.locator(f"#item-{item.pk}")
        article.get_by_label("I sin ordning").check()
        article.get_by_role("button", name="Spara bedömningen").click()
        page.get_by_text("Händelsen bedömdes.").wait_for()
    page.get_by_label("Slutsats").fill("Kvällsläsningen följs upp med handläggaren.")
    page.get_by_role("button", name="Avsluta", exact=True).click()
    page.get_by_text("Granskningen avslutades. Den kan inte längre ändras.").wait_for()
    assert_accessible(page)
    assert LogReview.objects.get().signed_off_by == karin

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_role("link", name="Vem har tagit del av personen").click()
    page.get_by_role("heading", name="Vem har tagit del av Adam Provsson").wait_for()
    assert page.locator("svg.chart").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Chefens skrivbord").first.click()
    page.get_by_role("heading", name="Chefens skrivbord").wait_for()
    assert_accessible(page)


def test_a_worker_reports_concern_de_identified_and_the_coordinator_sees_the_area_in_numbers(
    live_server, page
):
    import datetime as dt

    from accounts.models import OrganisationKind
    from accounts.roles import Role
    from coordination.models import DeidentifiedReport, SituationPicture
    from tests.factories import OrganisationFactory

    district = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning", district="Rinkeby-Kista")
    OrganisationFactory(name="Socialförvaltningen, VBE-teamet", kind=OrganisationKind.VBE_TEAM)
    worker = UserFactory(
        username="amina", first_name="Amina", organisation=district, roles=[Role.SOCIAL_WORKER]
    )
    coordinator = UserFactory(
        username="sara", first_name="Sara", organisation=district, roles=[Role.COORDINATOR]
    )
    today = dt.date.today().isoformat()
    log_in(page, live_server, worker)

    page.get_by_role("link", name="Rapportera oro, avidentifierat").first.click()
    page.get_by_role("heading", name="Rapportera oro, avidentifierat").wait_for()
    assert_accessible(page)
    page.get_by_label("Förvaltning").select_option(label="Rinkeby-Kista stadsdelsförvaltning")
    page.get_by_label("Område").fill("Rinkeby")
    page.get_by_label("Datum").fill(today)
    page.get_by_label("Oro", exact=True).check()
    page.get_by_label("Miljö").select_option("white_power")
    page.get_by_label("Sammanhang").select_option("school")
    page.get_by_label("Ålder").select_option("13_15")
    page.get_by_label("Kort beskrivning").fill("Eleven sprider symboler, ring mamman på 070-123 45 67.")
    page.get_by_role("button", name="Skicka till samordnaren").click()
    page.get_by_text("telefonnummer").first.wait_for()
    assert_accessible(page)
    assert not DeidentifiedReport.objects.exists()
    page.get_by_label("Kort beskrivning").fill("En elev sprider symboler från vit makt-miljön i skolan.")
    page.get_by_role("button", name="Skicka till samordnaren").click()
    page.get_by_text("Rinkeby-Kista stadsdelsförvaltning").first.wait_for()
    assert DeidentifiedReport.objects.get().from_unit == district

    page.context.clear_cookies()
    log_in(page, live_server, coordinator)
    page.get_by_role("link", name="Området i siffror").first.click()
    page.get_by_role("heading", name=re.compile("Området i siffror")).wait_for()
    assert page.get_by_text("färre än 5").first.is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Effektindikatorer").first.click()
    page.get_by_role("heading", name=re.compile("Effektindikatorer")).wait_for()
    assert page.locator("svg.chart").first.is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Avidentifierade rapporter").first.click()
    page.get_by_text("Rinkeby", exact=True).first.wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Området i siffror").first.click()
    page.get_by_role("link", name="Rinkeby-Kista stadsdelsförvaltning").click()
    page.get_by_role("heading", name=re.compile("Lokal lägesbild")).wait_for()
    assert_accessible(page)
    page.get_by_label("Samordnarens bedömning").fill("Oro för symboler i skolmiljön under hösten.")
    page.get_by_label("Polisens bedömning").fill("Polisen ser ingen organiserad rekrytering.")
    page.get_by_role("button", name="Spara som en ny version").click()
    page.get_by_text("En ny version av lägesbilden sparades.").wait_for()
    assert page.get_by_text("Polisen ser ingen organiserad rekrytering.").is_visible()
    assert_accessible(page)
    assert SituationPicture.objects.get().version == 1


def test_each_roles_start_page_at_a_desk_and_on_a_phone(live_server, browser):
    """One demo user of each set of roles: the start page at 1280 px and at 390 px, what waits first,
    then only the pages that open for them (tests/test_start_links.py opens each), with axe."""
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", stdout=io.StringIO())
    walked, failures = set(), []
    for user in User.objects.filter(is_active=True).order_by("username"):
        roles = tuple(sorted(user.role_codes()))
        if roles in walked:
            continue
        walked.add(roles)
        client = Client()
        login_verified(client, user)
        cookie = {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        }
        for width in (1280, 390):
            context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
            context.add_cookies([{**cookie, "url": live_server.url}])
            page = context.new_page()
            page.goto(live_server.url + "/")
            page.get_by_role("heading", name=re.compile("Välkommen")).wait_for()
            assert page.get_by_role("heading", name="Dina sidor").is_visible(), user.username
            # Live work first: what waits comes before the pages.
            headings = page.locator("main h2").all_inner_texts()
            assert "Väntar på dig" not in headings or headings.index("Väntar på dig") == 0, headings
            assert "Åtkomst nekad" not in page.content()
            results = Axe().run(page)
            if results.violations_count:
                failures.append(f"{user.username} at {width} px:\n{results.generate_report()}")
            context.close()
    assert len(walked) >= 8, walked
    assert not failures, "\n".join(failures)
