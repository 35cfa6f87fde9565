"""One person, one threat picture (issue 29, item 5): Jamal Provsson is in the defector programme and, in
Rinkeby-Kista, in an intervention group. Two units keep a record of him; his consents let threat and
protection cross between the two, so the group's page shows BOPS's latest assessment and the
programme's page the police's latest in the group."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from cases.words import Activity
from consent import services as consent_services
from demo.scenes import history
from demo.scenes.accounts import RK, Organisations, Users
from sig import services as sig
from sig.models import InterventionGroup


def _consent(by, case, purpose, recipients, today):
    consent_services.consent_record(
        by=by,
        case_id=case.pk,
        terms=consent_services.ConsentTerms(
            purpose=purpose,
            purpose_text="",
            recipient_ids=[r.pk for r in recipients],
            categories=["threat_protection"],
            valid_from=today,
            valid_until=today + dt.timedelta(days=365),
            given_how="oral",
            witness="Karin Holm",
        ),
    )


def load(*, organisations: Organisations, users: Users) -> None:
    """Rinkeby-Kista forms an intervention group around Jamal beside the programme (its own case of
    him): his consent for the group names the police in Järva and the defector programme, for threat
    and protection; his consent for the programme names BOPS, Rinkeby-Kista and the police in Järva,
    for threat and protection. The police assess him in the group."""
    worker, police, lena = users["socialsekreterare.rk"], users["polis.jarva"], users["avhopparverksamheten"]
    programme_case = next(
        (
            case
            for case in Case.objects.filter(responsible=lena, activity=Activity.DEFECTOR_PROGRAMME)
            .select_related("person")
            .order_by("opened_at")
            if case.person.surname == "Provsson"
        ),
        None,
    )
    district_case = next(
        (
            case
            for case in Case.objects.filter(responsible=worker, activity=Activity.DEFECTOR_PROGRAMME)
            .select_related("person")
            .order_by("opened_at")
            if case.person.surname == "Provsson"
        ),
        None,
    )
    if programme_case is None or district_case is None:
        return
    if InterventionGroup.objects.filter(case__person=district_case.person).exists():
        return
    today = timezone.localdate()
    jarva = organisations["Polisen, lokalpolisområde Järva"]
    unit = organisations["Socialförvaltningen, avhopparverksamheten"]
    person = district_case.person
    case = case_services.case_open(
        by=worker,
        number=person.personal_number,
        details=case_services.PersonDetails("", "", {}, {}, person.protected_identity),  # known: unused
        activity=Activity.INTERVENTION_GROUP,
        milieu=district_case.milieu,
    )
    history.case_opened_on(case, history.days_ago(120))
    _consent(worker, case, "intervention_group", [jarva, unit], today)
    _consent(
        lena,
        programme_case,
        "defector_programme",
        [organisations["Polisen, BOPS"], organisations[RK], jarva],
        today,
    )
    group, _inside = sig.group_form(by=worker, case_id=case.pk)
    sig.member_add(by=worker, group_id=group.pk, user=police, role="police_contact")
    sig.group_activate(by=worker, group_id=group.pk)
    history.group_formed_on(group, history.days_ago(100))
    history.assessment_recorded_on(
        sig.threat_assess(
            by=police,
            group_id=group.pk,
            level="elevated",
            protection_need=True,
            notes="Tidigare kontakter i miljön söker honom fortfarande.",
            assessed_on=history.days_ago(10),
        )
    )
    sig.meeting_record(
        by=worker,
        group_id=group.pk,
        held_on=today - dt.timedelta(days=2),
        present_ids={m.pk for m in sig.current_members(group)},
        items=[("threat_protection", "Gruppen och avhopparverksamheten ser samma hotbild.")],
        decisions="Nästa möte om tre veckor.",
    )
    sig.next_meeting_set(by=worker, group_id=group.pk, on=today + dt.timedelta(days=19))
    sig.goal_add(by=worker, group_id=group.pk, text="Ett tryggt vardagsliv utanför miljön")
