"""Intervention-group scene: two active groups with their consents, members, meeting, plan, shared
entries and an overdue threat review."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from cases.words import Activity, VisitedPage
from consent import services as consent_services
from demo.scenes import history
from demo.scenes.accounts import Organisations, Users
from sig import services as sig
from sig.models import InterventionGroup


def load(*, organisations: Organisations, users: Users) -> None:
    """Two active intervention groups, one per band, with consent, members, a meeting, a plan,
    shared entries and a threat assessment whose review has fallen due."""
    worker = users["socialsekreterare.rk"]
    police, school = users["polis.jarva"], users["skola.kista"]
    club = users["forening.jarva"]
    today = timezone.localdate()
    # Each group was formed some months ago (its case was opened before, demo/scenes/cases.py); the
    # police assessed the person in it on these days (days before the load day), the last time more
    # than three months ago: the re-assessment has fallen due.
    for surname, partner, partner_org, child, formed, assessed in (
        (
            "Fiktiv",
            users["jobbtorg.stockholm"],
            "Jobbtorg Stockholm",
            False,
            200,
            (("high", 180), ("elevated", 95)),
        ),
        ("Prövare", school, "Kista grundskola", True, 150, (("elevated", 100),)),
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
        history.group_formed_on(group, history.days_ago(formed))
        for level, days in assessed:
            history.assessment_recorded_on(
                sig.threat_assess(
                    by=police,
                    group_id=group.pk,
                    level=level,
                    protection_need=False,
                    notes="Kontakter i miljön finns kvar.",
                    assessed_on=history.days_ago(days),
                )
            )
        # The coordinator looked at the group once it was active: what the members share below is new
        # to her (*Nytt sedan ditt senaste besök* on the group page and the overview).
        case_services.case_visit_record(user=worker, case=case, page=VisitedPage.GROUP)
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
