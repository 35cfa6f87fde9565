"""Ages move (issue 29, items 2 and 3): a group's age band is checked on every read, not only when the
group is formed, and every member of a group sees the day sharing pauses because the guardians' consent
ends when the young person comes of age."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import OrganisationKind
from accounts.roles import Role
from consent import services as consent_services
from lotsa.vocabulary import InformationCategory, Purpose
from sig import selectors, services
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory, number_born
from tests.helpers import login_verified

pytestmark = pytest.mark.django_db

FORMED = dt.date(2026, 1, 10)


def at(day: dt.date):
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0))), tick=False)


def consent_for_the_group(worker, case_id, recipient_ids, *, guardians: bool):
    """A consent for the intervention group, from FORMED to the end of 2026, given by the guardians
    (and the child) when ``guardians``, else by the person."""
    consent_services.consent_record(
        by=worker,
        case_id=case_id,
        terms=consent_services.ConsentTerms(
            purpose=Purpose.INTERVENTION_GROUP,
            purpose_text="",
            recipient_ids=recipient_ids,
            categories=[InformationCategory.HOUSING],
            valid_from=FORMED,
            valid_until=dt.date(2026, 12, 31),
            given_how="oral",
            witness="Vera Vittne",
            guardians_required=2 if guardians else 0,
            guardians_consented=2 if guardians else 0,
            child_own_consent=guardians,
        ),
    )


def group_of(born: dt.date, *, guardians: bool = False):
    """A district's case of someone born on ``born``, a consent naming the police, and a group formed
    on FORMED with a police member."""
    district = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    police = OrganisationFactory(name="Polisen Järva", kind=OrganisationKind.POLICE)
    worker = UserFactory(organisation=district, roles=[Role.SOCIAL_WORKER])
    officer = UserFactory(organisation=police, roles=[Role.EXTERNAL_MEMBER])
    case = CaseFactory(
        owner_unit=district,
        person=PersonFactory(
            organisation=district, given_names="Nora", surname="Provsson", personal_number=number_born(born)
        ),
        responsible=worker,
    )
    assign_perm("cases.view_case", worker, case)
    with at(FORMED):
        consent_for_the_group(worker, case.pk, [police.pk], guardians=guardians)
        group, inside = services.group_form(by=worker, case_id=case.pk)
        services.member_add(by=worker, group_id=group.pk, user=officer, role="police_contact")
    return {"group": group, "inside": inside, "worker": worker, "officer": officer}


def band_tasks(user) -> list[str]:
    return [item.text for item in selectors.waiting_in_groups(user) if "åldersgrupp" in item.text]


def test_a_groups_age_band_is_checked_over_time_not_only_at_forming(client):
    """Formed at 18 in the band 12-18, the person outgrows it on their 19th birthday: from 30 days
    before, their handler has a task, and the group's pages say so."""
    v = group_of(dt.date(2007, 6, 1))
    group = v["group"]
    assert v["inside"] and group.band == "young" and group.band_ends_on == dt.date(2026, 6, 1)
    with at(dt.date(2026, 5, 1)):
        assert band_tasks(v["worker"]) == []
    with at(dt.date(2026, 5, 2)):
        assert band_tasks(v["worker"]) == [
            "1 person i en insatsgrupp växer ur gruppens åldersgrupp: flytta hen eller avsluta gruppen"
        ]
        # The police member carries out no such task: it is the handler's.
        assert band_tasks(v["officer"]) == []
        login_verified(client, v["worker"])
        overview = client.get(reverse("sig:overview")).content.decode()
        assert (
            "Växer ur gruppens åldersgrupp" in overview
            and "växer ur åldersgruppen den 1 juni 2026" in overview
        )
        detail = client.get(reverse("sig:detail", args=[group.pk])).content.decode()
        assert "Personen växer ur gruppens åldersgrupp (" in detail and ") den 1 juni 2026." in detail
    # Crossed: the task stays until the group is moved on or closed.
    with at(dt.date(2026, 9, 1)):
        assert len(band_tasks(v["worker"])) == 1


def test_a_person_outside_every_band_at_forming_is_a_task_at_once():
    v = group_of(dt.date(1990, 3, 3))
    assert not v["inside"] and v["group"].band_ends_on < FORMED
    with at(FORMED):
        assert len(band_tasks(v["worker"])) == 1


def test_every_member_sees_on_the_group_page_that_sharing_pauses_at_majority(client):
    """Nora turns 18 on 12 May 2026 and her guardians consented: the police member of her group reads
    on the group page that sharing pauses within a month (the day itself is her birthday: only the
    owning unit reads it); after it, it has paused."""
    v = group_of(dt.date(2008, 5, 12), guardians=True)
    notice = "Delningen i gruppen gör uppehåll"
    with at(dt.date(2026, 4, 20)):
        login_verified(client, v["officer"])
        page = client.get(reverse("sig:detail", args=[v["group"].pk])).content.decode()
        assert f"{notice} inom en månad:" in page and "12 maj 2026" not in page
        login_verified(client, v["worker"])
        page = client.get(reverse("sig:detail", args=[v["group"].pk])).content.decode()
        assert f"{notice} den 12 maj 2026" in page
    with at(dt.date(2026, 5, 12)):
        login_verified(client, v["officer"])
        page = client.get(reverse("sig:detail", args=[v["group"].pk])).content.decode()
        assert notice not in page
        # No consent in force names the police any more: the page says its members see nothing.
        assert "Polisen Järva" in page and services.missing_consent(v["group"])


def test_an_adults_consent_pauses_nothing():
    v = group_of(dt.date(1999, 1, 1))
    with at(dt.date(2026, 4, 20)):
        page = selectors.group_page_for(user=v["worker"], group_id=v["group"].pk)
        assert page["sharing_pauses_on"] is None


def _with_a_club_member(v, born: dt.date, *, guardians: bool):
    """A mentor from a sports club joins the group (a consent naming the police and the club, the
    undertaking accepted): the members outside the owning unit are then the police and civil society."""
    club = OrganisationFactory(name="Föreningen", kind=OrganisationKind.SPORTS_CLUB)
    mentor = UserFactory(organisation=club, roles=[Role.EXTERNAL_MEMBER])
    group = v["group"]
    with at(FORMED):
        consent_for_the_group(
            v["worker"], group.case_id, [v["officer"].organisation_id, club.pk], guardians=guardians
        )
        services.member_add(by=v["worker"], group_id=group.pk, user=mentor, role="mentor")
        services.undertaking_accept(by=mentor, group_id=group.pk)
    return mentor


MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()


def _written(day: dt.date) -> list[str]:
    """Every way a page could write the day (the page's own Swedish format, and ISO)."""
    return [f"{day.day} {MONTHS[day.month - 1]}", day.isoformat()]


@pytest.mark.parametrize(
    "born, guardians, birthday, announced",
    [
        # Nora turns 18 on 12 May 2026, her guardians consented: sharing pauses that day.
        (dt.date(2008, 5, 12), True, dt.date(2026, 5, 12), "Delningen i gruppen gör uppehåll"),
        # Sam turns 19 on 1 June 2026 and outgrows the band 12-18 that day.
        (dt.date(2007, 6, 1), False, dt.date(2026, 6, 1), "Personen växer ur gruppens åldersgrupp"),
    ],
)
def test_no_member_outside_the_owning_unit_reads_a_birthday_on_the_group_page(
    client, born, guardians, birthday, announced
):
    """The day sharing pauses at majority and the day the age band ends are birthdays: they give the
    birth date away. On every day either is announced, the owning unit reads the day on the group
    page; no member of another organisation (the police, civil society) reads it, only how soon."""
    v = group_of(born, guardians=guardians)
    mentor = _with_a_club_member(v, born, guardians=guardians)
    for days_before in (1, 6, 8, 20, 29):
        with at(birthday - dt.timedelta(days=days_before)):
            for member in (v["worker"], v["officer"], mentor):
                login_verified(client, member)
                page = client.get(reverse("sig:detail", args=[v["group"].pk])).content.decode()
                assert announced in page, (member.username, days_before)
                shown = [text for text in _written(birthday) if text in page]
                if member is v["worker"]:
                    assert shown, days_before
                else:
                    assert shown == [], (member.username, days_before)
                    assert ("inom en vecka" if days_before <= 7 else "inom en månad") in page
