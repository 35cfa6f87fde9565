"""What a request unwraps (data keys) and remembers (lotsa.context.request_memo) lives exactly as long
as the request: the next request reads again, so an erasure or a consent withdrawal takes effect on
it, and nothing is held between requests or seen from another thread."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.services import person_erase
from consent import services as consent_services
from consent.models import Disclosure
from lotsa import access, context, crypto
from tests.factories import CaseFactory, PersonFactory
from tests.fixtures import MARKER
from tests.helpers import login_verified

pytestmark = pytest.mark.django_db


def _seen_by_requests(monkeypatch) -> list:
    """Records, for every request, the subjects its key cache held and what it remembered, as it ends
    (the middleware keeps the request's decisions last, inside both)."""
    seen = []
    real = access.keep_decisions

    def keep_decisions():
        seen.append((crypto.cached_subjects(), dict(context.current().memo)))
        real()

    monkeypatch.setattr(access, "keep_decisions", keep_decisions)
    return seen


def test_the_caches_live_as_long_as_the_request(client, world, monkeypatch):
    seen = _seen_by_requests(monkeypatch)
    login_verified(client, world.users["social_worker"])
    with crypto.key_cache():  # what the test holds outside any request: nothing yet
        assert client.get(reverse("cases:detail", args=[world.case_a.pk])).status_code == 200
        keys, memo = seen[-1]
        # Inside the request: the person's key was unwrapped, the emergency access read once.
        assert world.case_a.person_id in keys
        emergency = ("consent.emergency_accesses", world.users["social_worker"].pk)
        assert emergency in memo
        # Outside it: nothing of the request's is left.
        assert crypto.cached_subjects() == frozenset()
        assert context.current() is None
        # A second request starts empty again and unwraps what it shows itself.
        assert client.get(reverse("cases:my_cases")).status_code == 200
        assert world.case_a.person_id in seen[-1][0]
        assert seen[-1][1].get(emergency) is not memo[emergency]  # read again, by its own banner
        assert crypto.cached_subjects() == frozenset()


def test_another_thread_sees_no_cache_of_the_request(client, world):
    login_verified(client, world.users["social_worker"])
    found = {}

    def other_thread():
        found["keys"], found["request"] = crypto.cached_subjects(), context.current()

    with crypto.key_cache(), context.bind(context.RequestInfo()):
        crypto.data_key(world.case_a.person_id)
        assert world.case_a.person_id in crypto.cached_subjects()
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert found == {"keys": None, "request": None}


def test_an_erasure_takes_effect_on_the_next_request(client, world):
    login_verified(client, world.users["social_worker"])
    person = world.case_a.person
    page = reverse("cases:detail", args=[world.case_a.pk])
    assert person.surname in client.get(page).content.decode()
    person_erase(person_id=person.pk, reason="gallring", by=world.users["supervisor"])
    shown = client.get(page).content.decode()
    assert person.surname not in shown and MARKER not in shown


def test_a_withdrawal_takes_effect_on_the_next_request(client, world):
    login_verified(client, world.users["external_member"])
    page = reverse(
        "consent:shared_person", kwargs={"person_id": world.case_a.person_id, "purpose": "intervention_group"}
    )
    assert MARKER in client.get(page).content.decode()
    consent_services.consent_withdraw(
        by=world.users["social_worker"],
        consent_id=world.consent.pk,
        case_id=world.case_a.pk,
        how="oral",
        note="",
    )
    Disclosure.objects.bypassing_guard("test: the disclosure ends").filter(person=world.case_a.person).update(
        access_until="2000-01-01"
    )
    assert MARKER not in client.get(page).content.decode(errors="replace")


def test_an_emergency_access_opened_in_a_request_is_seen_within_it(world):
    """The memo of the user's emergency access is forgotten when one is opened in the same request."""
    from consent import policy

    reader = world.users["social_worker_unassigned"]
    with context.bind(context.RequestInfo()):
        assert policy.emergency_access_open_for(reader, world.case_a) is None
        consent_services.emergency_access_start(by=reader, case_id=world.case_a.pk, reason="Akut fara")
        assert policy.emergency_access_open_for(reader, world.case_a) is not None


def test_the_banner_and_the_decision_share_one_read_of_the_emergency_accesses(client, world):
    """A social worker's case page asks the database once for their open emergency accesses: the
    decision on the case and the banner every page shows read the same list."""
    reader = world.users["social_worker_unassigned"]
    consent_services.emergency_access_start(by=reader, case_id=world.case_a.pk, reason="Akut fara")
    login_verified(client, reader)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("cases:detail", args=[world.case_a.pk]))
    assert response.status_code == 200
    assert response.context["open_emergency_accesses"][0].case_id == world.case_a.pk  # the banner
    assert response.context["emergency"].case_id == world.case_a.pk  # the decision's, on the page
    read = [q for q in captured.captured_queries if 'FROM "consent_emergencyaccess"' in q["sql"]]
    assert len(read) == 1, read


def test_my_cases_decrypts_only_the_rows_it_shows(client, world, monkeypatch):
    worker = world.users["social_worker"]
    for _ in range(27):
        person = PersonFactory(organisation=world.district_a)
        CaseFactory(owner_unit=world.district_a, person=person, responsible=worker)
    login_verified(client, worker)
    decrypted, unwrapped = set(), set()
    real_decrypt, real_prefetch = crypto.decrypt_value, crypto.prefetch_data_keys

    def decrypt_value(blob, **kwargs):
        decrypted.add(crypto._as_uuid(kwargs["subject_id"]))
        return real_decrypt(blob, **kwargs)

    def prefetch(subject_ids):
        subject_ids = list(subject_ids)
        unwrapped.update(subject_ids)
        return real_prefetch(subject_ids)

    monkeypatch.setattr(crypto, "decrypt_value", decrypt_value)
    monkeypatch.setattr(crypto, "prefetch_data_keys", prefetch)
    response = client.get(reverse("cases:my_cases"), {"size": 25})
    assert response.status_code == 200
    shown = {case.person_id for case in response.context["rows"]}
    assert len(shown) == 25
    people = decrypted - {crypto.organisation_key_id(world.district_a.pk)}
    assert people == shown and unwrapped == shown
