"""Row 10: the cross-unit pointer's timing (issue 30). A search by number that meets another unit's
record says so only under the person's consent; the work it does must not tell a consent from none,
nor a record from none. Measured on one run, side by side, alternating: the pointer's lookup
(cases.selectors.units_to_ask_for_hand_over, with its decisions and their events) for a number another
unit holds under a consent that lets the searching unit be told, for one it holds without, and for
one held nowhere; the figure is the told case's median, the ratios are against the number held
nowhere, and the note gives the queries of each (cases/tests/test_cross_unit_pointer.py asserts them equal).

The people, the consent and the users are made in a transaction that is rolled back at the end, so
the cached data set is left as it was.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.rows import row

REPEATS = {"full": 400, "quick": 100, "smoke": 20}


class _Rollback(Exception):
    pass


def _world():
    from accounts.models import OrganisationKind
    from accounts.roles import Role
    from consent import services as consent_services
    from lotsa.vocabulary import Purpose
    from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory, valid_number

    kind = OrganisationKind.DISTRICT_ADMINISTRATION
    holder = OrganisationFactory(name="Bänk: enheten som har uppgiften", kind=kind)
    asker = OrganisationFactory(name="Bänk: enheten som söker", kind=kind)
    handler = UserFactory(username="bench_holder", organisation=holder, roles=[Role.SOCIAL_WORKER])
    searcher = UserFactory(username="bench_searcher", organisation=asker, roles=[Role.SOCIAL_WORKER])
    numbers = {"told": valid_number(9701), "not told": valid_number(9702), "held nowhere": valid_number(9703)}
    told = None
    for name in ("told", "not told"):
        case = CaseFactory(
            person=PersonFactory(personal_number=numbers[name], organisation=holder),
            owner_unit=holder,
            responsible=handler,
        )
        told = told or case
    from guardian.shortcuts import assign_perm

    assign_perm("cases.view_case", handler, told)
    consent_services.consent_record(
        by=handler,
        case_id=told.pk,
        terms=consent_services.ConsentTerms(
            purpose=Purpose.DISTRICT_MOVE,
            purpose_text="",
            recipient_ids=[asker.pk],
            categories=["housing"],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=30),
            given_how="oral",
            witness="Bänk",
        ),
    )
    return searcher, numbers


def measure(mode: str) -> list[dict]:
    from cases.selectors import units_to_ask_for_hand_over

    repeats = REPEATS[mode]
    rows: list[dict] = []
    try:
        with transaction.atomic():
            searcher, numbers = _world()
            lookup = lambda number: units_to_ask_for_hand_over(user=searcher, canonical_number=number)  # noqa: E731
            assert lookup(numbers["told"]) and not lookup(numbers["not told"])
            queries = {}
            for name, number in numbers.items():
                with CaptureQueriesContext(connection) as captured:
                    lookup(number)
                queries[name] = len(captured.captured_queries)
            samples: dict[str, list[float]] = {name: [] for name in numbers}
            for _ in range(repeats):  # alternating, so drift hits the three alike
                for name, number in numbers.items():
                    started = time.perf_counter()
                    lookup(number)
                    samples[name].append(time.perf_counter() - started)
            medians = {name: statistics.median(values) for name, values in samples.items()}
            nowhere = medians["held nowhere"]
            for name in ("told", "not told"):
                rows.append(
                    row(
                        10,
                        f"cross-unit pointer: a number held elsewhere, {name}",
                        round(medians[name] * 1000, 3),
                        "ms median",
                        "a number held nowhere",
                        round(nowhere * 1000, 3),
                        round(medians[name] / nowhere, 2),
                        f"{repeats} lookups each, alternating; queries {queries[name]} vs "
                        f"{queries['held nowhere']}",
                        queries=queries[name],
                    )
                )
            raise _Rollback
    except _Rollback:
        pass
    return rows
