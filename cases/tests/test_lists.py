"""The lists sort and filter (issue 28, item 5): my cases, hand-overs and the VBE team's first contacts.
Each filter and sort through the page, a bad value (a message, the list as it opens, never a 500), the
sort links (``aria-sort``, the filters kept), and the one access event naming exactly who is shown."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import FieldDoesNotExist
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrganisationKind
from accounts.roles import Role
from audit.models import Action
from cases import services as case_services
from cases.filters import CaseFilter
from cases.first_contacts import services as first_contact_services
from cases.first_contacts.filters import FirstContactFilter
from cases.first_contacts.selectors import first_contacts_for
from cases.handovers.filters import HandoverFilter
from cases.handovers.selectors import handovers_for
from cases.models import Case, Handover
from cases.services import PersonDetails
from lotsa.crypto import BlindIndexField, EncryptedField
from lotsa.listing import SortFilter, name_key
from supervision.filters import AccessEventFilter
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory, valid_number
from tests.helpers import case_opened_days_ago, events_since, head_seq, login_verified, named_by
from tests.test_selector_query_counts import assert_constant

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def at(days: int):
    return time_machine.travel(T0 + dt.timedelta(days=days), tick=False)


def listed_people(start: int) -> list:
    """The people named by the list events written since ``start`` (one event is expected)."""
    listed = list(events_since(start).filter(action=Action.LIST))
    assert len(listed) == 1, listed
    return sorted(named_by(listed), key=str)


def people_of(rows) -> list:
    return sorted((getattr(row, "person_id", None) for row in rows), key=str)


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def sorted_header(body: str) -> str:
    """The column header marked as sorted (its aria-sort and its text)."""
    headers = re.findall(r'<th scope="col" aria-sort="(\w+)"><a href="([^"]*)">([^<]*)', body)
    assert len(headers) == 1, headers
    return headers[0]


# --- My cases ---------------------------------------------------------------------------------------


@pytest.fixture
def desk(db):
    unit = OrganisationFactory(name="Rinkeby-Kista sdf")
    worker = UserFactory(username="sw", organisation=unit, roles=[Role.SOCIAL_WORKER])

    def case(days: int, surname: str, **kwargs) -> Case:
        with at(days):
            return CaseFactory(
                owner_unit=unit,
                responsible=worker,
                person=PersonFactory(organisation=unit, surname=surname),
                **kwargs,
            )

    old = case(0, "Äldst")
    new = case(10, "Nyast")
    closed = case(5, "Stängd", status="closed")
    other = case(7, "Annan", activity="relative_support")
    with at(20):  # the oldest case has the latest activity: a journal entry
        case_services.journal_add(by=worker, case_id=old.pk, category="housing", text="Nytt")
    return {"unit": unit, "worker": worker, "old": old, "new": new, "closed": closed, "other": other}


def test_my_cases_open_on_the_live_cases_with_the_latest_activity_first(client, desk):
    login_verified(client, desk["worker"])
    start = head_seq()
    response = client.get(reverse("cases:my_cases"))
    rows = response.context["rows"]
    assert [c.pk for c in rows] == [desk["old"].pk, desk["new"].pk, desk["other"].pk]
    assert listed_people(start) == people_of(rows)
    state, href, label = sorted_header(response.content.decode())
    assert (state, label.strip()) == ("descending", "Senaste händelse")
    assert "sort=latest" in href  # a click turns the direction


def test_my_cases_sort_by_opening_either_way_and_the_links_keep_the_filters(client, desk):
    login_verified(client, desk["worker"])
    newest = client.get(reverse("cases:my_cases"), {"sort": "-opened"}).context["rows"]
    assert [c.pk for c in newest] == [desk["new"].pk, desk["other"].pk, desk["old"].pk]
    oldest = client.get(reverse("cases:my_cases"), {"sort": "opened"}).context["rows"]
    assert [c.pk for c in oldest] == [desk["old"].pk, desk["other"].pk, desk["new"].pk]
    body = client.get(reverse("cases:my_cases"), {"sort": "opened", "activity": "intervention_group"})
    state, href, _ = sorted_header(body.content.decode())
    assert state == "ascending" and "sort=-opened" in href and "activity=intervention_group" in href
    # Paging keeps the sort and the filters.
    assert "sort=opened" in body.context["query"] and "activity=intervention_group" in body.context["query"]


def test_my_cases_filter_by_status_activity_and_opening_dates(client, desk):
    login_verified(client, desk["worker"])

    def shown(**query):
        start = head_seq()
        rows = client.get(reverse("cases:my_cases"), query).context["rows"]
        if rows:
            assert listed_people(start) == people_of(rows)  # exactly the people shown
        return {c.pk for c in rows}

    assert shown(status="closed") == {desk["closed"].pk}
    assert shown(status="") == {desk[k].pk for k in ("old", "new", "closed", "other")}
    assert shown(activity="relative_support") == {desk["other"].pk}
    day = (T0 + dt.timedelta(days=5)).date().isoformat()
    assert shown(status="", opened_from=day) == {desk[k].pk for k in ("new", "closed", "other")}
    assert shown(status="", opened_to=day) == {desk[k].pk for k in ("old", "closed")}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "bogus"}, "Status"),
        ({"opened_from": "not a date"}, "Öppnat från"),
        ({"sort": "surname"}, "Sortera efter"),  # a name is never sorted in the database
        ({"size": "100000"}, "Per sida"),
    ],
)
def test_a_bad_value_says_so_and_shows_the_list_as_it_opens(client, desk, query, field):
    login_verified(client, desk["worker"])
    start = head_seq()
    response = client.get(reverse("cases:my_cases"), query)
    assert response.status_code == 200
    (text,) = message_texts(response)
    assert field in text and "Listan visas utan dina filter" in text
    rows = response.context["rows"]
    assert [c.pk for c in rows] == [desk["old"].pk, desk["new"].pk, desk["other"].pk]
    assert listed_people(start) == people_of(rows)


def _leaf(model, path: str):
    """The model field a filter's or a sort's path ends on (``opened_at__date`` → ``opened_at``)."""
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            break  # a lookup or transform (date), or an annotation the selector adds
        model = field.related_model or model
    return field


def test_no_list_filters_or_sorts_on_an_encrypted_column_or_a_blind_index():
    """Names and personal identity numbers are encrypted: no list filters or sorts on them in SQL (a
    name is sorted only in memory, on the rows read)."""
    checked = 0
    for filter_class in (CaseFilter, HandoverFilter, FirstContactFilter, AccessEventFilter):
        model = filter_class._meta.model
        for flt in filter_class.base_filters.values():
            paths = [flt.field_name]
            if isinstance(flt, SortFilter):
                paths = [column.field for column in flt.columns.values() if column.field]
            for path in paths:
                field = _leaf(model, path)
                checked += 1
                assert not isinstance(field, EncryptedField | BlindIndexField), (filter_class, path)
    assert checked > 20


def test_names_sort_the_swedish_way():
    names = ["Östberg", "Åberg", "Ahlin", "Ängel", "zetterlund"]
    assert sorted(names, key=name_key) == ["Ahlin", "zetterlund", "Åberg", "Ängel", "Östberg"]


# --- Hand-overs --------------------------------------------------------------------------------------


@pytest.fixture
def sent(db):
    district = OrganisationFactory(name="Rinkeby-Kista sdf")
    programme = OrganisationFactory(name="Avhopparverksamheten", kind=OrganisationKind.DEFECTOR_PROGRAMME)
    treatment = OrganisationFactory(name="Behandlingsenheten", kind=OrganisationKind.TREATMENT_UNIT)
    worker = UserFactory(username="sw", organisation=district, roles=[Role.SOCIAL_WORKER])
    handovers = {}
    for days, surname, to, purpose in (
        (1, "Östberg", programme, "defector_programme"),
        (3, "Ahlin", treatment, "handover"),
        (2, "Åberg", programme, "defector_programme"),
    ):
        case = CaseFactory(
            owner_unit=district,
            responsible=worker,
            person=PersonFactory(organisation=district, surname=surname),
        )
        handovers[surname] = Handover.objects.create(
            person=case.person,
            source="case",
            from_case=case,
            from_unit=district,
            to_unit=to,
            purpose=purpose,
            sent_by=worker,
            sent_at=T0 + dt.timedelta(days=days),
        )
    return {"worker": worker, "handovers": handovers, "programme": programme}


def _sent(client, **query):
    response = client.get(reverse("cases:handovers"), query)
    assert response.status_code == 200
    return response, [h.person.surname for h in response.context["sent"]]


def test_handovers_open_newest_first_and_sort_by_name_in_memory(client, sent):
    login_verified(client, sent["worker"])
    start = head_seq()
    _, surnames = _sent(client)
    assert surnames == ["Ahlin", "Åberg", "Östberg"]  # newest first
    assert listed_people(start) == people_of(sent["handovers"].values())
    response, surnames = _sent(client, sort="person")
    assert surnames == ["Ahlin", "Åberg", "Östberg"]
    state, href, label = sorted_header(response.content.decode())
    assert (state, label.strip()) == ("ascending", "Person") and "sort=-person" in href
    _, surnames = _sent(client, sort="-person")
    assert surnames == ["Östberg", "Åberg", "Ahlin"]
    _, surnames = _sent(client, sort="sent")
    assert surnames == ["Östberg", "Åberg", "Ahlin"]
    _, surnames = _sent(client, sort="to")
    assert surnames[-1] == "Ahlin"  # Behandlingsenheten after Avhopparverksamheten


def test_handovers_filter_by_purpose_direction_status_and_date(client, sent):
    login_verified(client, sent["worker"])
    start = head_seq()
    response, surnames = _sent(client, purpose="handover")
    assert surnames == ["Ahlin"]
    assert listed_people(start) == [sent["handovers"]["Ahlin"].person_id]
    response, surnames = _sent(client, direction="to_us")
    assert surnames == [] and "sent-heading" not in response.content.decode()
    _, surnames = _sent(client, status="accepted")
    assert surnames == []
    day = (T0 + dt.timedelta(days=2)).date().isoformat()
    _, surnames = _sent(client, sent_from=day, sort="sent")
    assert surnames == ["Åberg", "Ahlin"]
    response, surnames = _sent(client, purpose="consent:anything")
    assert surnames == ["Ahlin", "Åberg", "Östberg"] and "Ändamål" in message_texts(response)[0]


# --- The VBE team's first contacts -------------------------------------------------------------------


def open_contact(by, serial: int, surname: str = "Kontaktsson", flagged: int = 1, referrer: str = "police"):
    return first_contact_services.first_contact_open(
        by=by,
        number=valid_number(serial),
        details=PersonDetails(
            given_names="Kontakt", surname=surname, contact={}, address={}, protected_identity="none"
        ),
        milieu="unclear",
        request=first_contact_services.FirstContactRequest(
            referrer=referrer,
            referrer_detail="Polisregion Stockholm",
            flagged_on=timezone.localdate() - dt.timedelta(days=flagged),
            has_minor_children=False,
            children_reason="",
        ),
    )


@pytest.fixture
def team(db):
    vbe = OrganisationFactory(name="VBE-teamet", kind=OrganisationKind.VBE_TEAM)
    omar = UserFactory(username="omar", organisation=vbe, roles=[Role.VBE_TEAM])
    cases = {}
    for serial, (surname, flagged, referrer) in enumerate(
        (("Först", 30, "police"), ("Mitten", 20, "security_service"), ("Sist", 10, "city_service")), 4300
    ):
        # Opened the day the police flagged them: the meeting below may not lie before it.
        cases[surname] = case_opened_days_ago(open_contact(omar, serial, surname, flagged, referrer), flagged)
    first_contact_services.first_contact_meeting_record(
        by=omar,
        case_id=cases["Mitten"].pk,
        held_on=timezone.localdate() - dt.timedelta(days=5),
        vbe_participants="Omar",
        police_participants="Maria",
        outcome="declined",
        attempts=1,
        notes="",
    )
    return {"omar": omar, "cases": cases}


def _contacts(client, **query):
    response = client.get(reverse("cases:first_contacts"), query)
    assert response.status_code == 200
    return response, [c.person.surname for c in response.context["rows"]]


def test_first_contacts_open_on_the_live_ones_latest_flagged_first(client, team):
    login_verified(client, team["omar"])
    start = head_seq()
    response, surnames = _contacts(client)
    assert surnames == ["Sist", "Mitten", "Först"]
    assert listed_people(start) == people_of(response.context["rows"])
    state, _, label = sorted_header(response.content.decode())
    assert (state, label.strip()) == ("descending", "Uppmärksammad den")
    assert _contacts(client, sort="flagged")[1] == ["Först", "Mitten", "Sist"]
    # Not yet met sorts last either way (on PostgreSQL too, where NULL sorts first in descending order).
    assert _contacts(client, sort="-meeting")[1][0] == "Mitten"
    assert _contacts(client, sort="meeting")[1][0] == "Mitten"


def test_first_contacts_filter_by_stage_referrer_outcome_and_date(client, team):
    login_verified(client, team["omar"])
    assert _contacts(client, stage="unmet")[1] == ["Sist", "Först"]
    assert _contacts(client, stage="met")[1] == ["Mitten"]
    assert _contacts(client, stage="closed")[1] == []
    assert _contacts(client, referrer="police")[1] == ["Först"]
    assert _contacts(client, outcome="declined")[1] == ["Mitten"]
    assert _contacts(client, outcome="accepted_help")[1] == []
    day = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    assert _contacts(client, flagged_to=day)[1] == ["Mitten", "Först"]
    response, surnames = _contacts(client, flagged_from=day, flagged_to="2020-01-01")
    assert surnames == ["Sist", "Mitten", "Först"]  # to before from: not a period
    assert message_texts(response)


def test_the_start_page_sends_the_team_to_its_first_contacts_by_stage(client, team):
    login_verified(client, team["omar"])
    body = client.get("/").content.decode()
    assert 'href="/cases/first-contacts/?stage=unmet"' in body
    assert 'href="/cases/first-contacts/?stage=met"' in body
    assert client.get(reverse("cases:first_contacts"), {"stage": "unmet"}).status_code == 200


def test_only_the_vbe_team_has_the_list_of_first_contacts(client, team):
    district = OrganisationFactory(name="Spånga-Tensta sdf")
    login_verified(client, UserFactory(username="amina", organisation=district, roles=[Role.SOCIAL_WORKER]))
    assert client.get(reverse("cases:first_contacts")).status_code == 403


def test_the_lists_read_in_a_constant_number_of_queries(team, sent):
    omar, worker = team["omar"], sent["worker"]
    serials = itertools.count(4400)

    def more_contacts(n):
        for _ in range(n):
            open_contact(omar, next(serials))

    assert_constant(lambda: first_contacts_for(user=omar), more_contacts)
    template = sent["handovers"]["Ahlin"]

    def more_handovers(n):
        for _ in range(n):
            case = CaseFactory(owner_unit=template.from_unit, responsible=worker)
            Handover.objects.create(
                person=case.person,
                source="case",
                from_case=case,
                from_unit=template.from_unit,
                to_unit=template.to_unit,
                purpose="handover",
                sent_by=worker,
            )

    assert_constant(lambda: handovers_for(user=worker, filters=sorted_by_name()), more_handovers)


def sorted_by_name():
    filters = HandoverFilter(QueryDict("sort=person"))
    assert filters.is_valid()
    return filters
