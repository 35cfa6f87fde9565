"""A case keeps its latest activity (``Case.latest_activity``, issue 34): the newest of its opening and
of the rows listed in ``cases.queries.LATEST_ACTIVITY_SOURCES``, which my cases sorts by. It must stay
what those rows say: every place in the code that writes them is found here and known to move it, each
such write is shown to move it, and over a generated world (and after the migration's backfill) it is
what the expression the list used to compute for every case says."""

from __future__ import annotations

import ast
import datetime as dt
import functools
import importlib
import itertools
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.roles import Role
from cases import services
from cases.models import Case, JournalEntry
from cases.queries import LATEST_ACTIVITY_SOURCES, latest_activity_computed
from cases.words import CaseStatus, CloseReason
from coordination.models import InputGeneration
from demo.scenes import history
from tests.factories import OrganisationFactory, UserFactory, valid_number

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
_serial = itertools.count(1)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def stored(case: Case) -> dt.datetime:
    return Case.objects.values_list("latest_activity", flat=True).get(pk=case.pk)


def computed(case_ids) -> dict:
    """What the list computed for every case before the case kept it (timestamps of the rows)."""
    rows = Case.objects.filter(pk__in=list(case_ids)).annotate(computed=latest_activity_computed())
    return dict(rows.values_list("pk", "computed"))


def kept(case_ids) -> dict:
    return dict(Case.objects.filter(pk__in=list(case_ids)).values_list("pk", "latest_activity"))


# --- Every place that writes what the latest activity is made of ------------------------------------

# (module, function) -> how the latest activity follows the write. Deleting a draft is an instance's
# delete() (not found by name): journal_entry_delete counts it again, shown below.
KNOWN_WRITERS = {
    ("cases.services", "journal_add"): "moves it to the entry's time (case_latest_activity_move)",
    ("cases.services", "case_status_change_record"): "moves it to the change's time",
    ("demo.scenes.history", "case_opened_on"): "counts it again after dating the opening back",
    ("demo.scenes.history", "case_closed_on"): "counts it again after dating the closing back",
    ("bench.data", "build_cases"): "counts it again for the cases given a journal past the services",
    ("bench.suite", "measure_fields"): "no write: an entry never saved, whose encrypted field is timed",
}
_WRITES = {"create", "bulk_create", "update", "delete", "get_or_create", "update_or_create", "bulk_update"}


def _chain_names(node) -> set[str]:
    names = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            if isinstance(node, ast.Name):
                names.add(node.id)
            return names


class _Writers(ast.NodeVisitor):
    def __init__(self, module: str, models: set[str], related: set[str]):
        self.module, self.models, self.related = module, models, related
        self.stack: list[str] = []
        self.found: set[tuple[str, str]] = set()

    def _function(self, node):
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_Call(self, node):
        func = node.func
        constructs = isinstance(func, ast.Name) and func.id in self.models
        writes = (
            isinstance(func, ast.Attribute)
            and func.attr in _WRITES
            and _chain_names(func.value) & (self.models | self.related)
        )
        if constructs or writes:
            self.found.add((self.module, self.stack[0] if self.stack else "<module>"))
        self.generic_visit(node)


def writers_in_the_code() -> set[tuple[str, str]]:
    models = {model.__name__ for model, _field in LATEST_ACTIVITY_SOURCES}
    related = {
        model._meta.get_field("case").remote_field.related_name for model, _ in LATEST_ACTIVITY_SOURCES
    }
    root = Path(settings.BASE_DIR)
    found = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in ("tests", "migrations", "node_modules", "var") for p in parts):
            continue
        module = ".".join(parts).removesuffix(".py")
        visitor = _Writers(module, models, related)
        visitor.visit(ast.parse(path.read_text(), filename=str(path)))
        found |= visitor.found
    return found


def test_every_place_that_writes_what_the_latest_activity_is_made_of_is_known():
    assert {model.__name__ for model, _ in LATEST_ACTIVITY_SOURCES} == {"JournalEntry", "CaseStatusChange"}
    found = writers_in_the_code()
    assert found - set(KNOWN_WRITERS) == set(), "a new writer: move Case.latest_activity there, then list it"
    assert set(KNOWN_WRITERS) - found == set(), "a known writer is gone: take it off the list"


def test_the_scan_finds_a_writer_past_the_services():
    """The scan is not blind: a construction, a manager's write and a related manager's write are found."""
    source = (
        "def a():\n    CaseStatusChange(case=c)\n"
        "def b():\n    JournalEntry.objects.bypassing_guard('x').filter(pk=1).update(created_at=t)\n"
        "def c():\n    case.status_changes.create(status='x')\n"
        "def d():\n    Case.objects.filter(pk=1).update(status='x')\n"
    )
    visitor = _Writers("m", {"JournalEntry", "CaseStatusChange"}, {"journal", "status_changes"})
    visitor.visit(ast.parse(source))
    assert visitor.found == {("m", "a"), ("m", "b"), ("m", "c")}


# --- Each write moves it ------------------------------------------------------------------------------


@pytest.fixture
def unit(db):
    district = OrganisationFactory(name=f"Enhet {next(_serial)}")
    return SimpleNamespace(
        worker=UserFactory(organisation=district, roles=[Role.SOCIAL_WORKER]),
        supervisor=UserFactory(organisation=district, roles=[Role.SUPERVISOR]),
    )


def _open(unit) -> Case:
    return services.case_open(
        by=unit.worker,
        number=valid_number(60_000 + next(_serial)),
        details=services.PersonDetails(
            given_names="Sam", surname="Aktivsson", contact={}, address={}, protected_identity="none"
        ),
        activity="other",
        milieu="unclear",
    )


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_each_write_moves_the_latest_activity_and_a_deleted_draft_gives_it_back(unit):
    minute = dt.timedelta(minutes=1)
    with at(T0):
        case = _open(unit)  # the opening and its status change
    assert stored(case) == case.opened_at == T0
    with at(T0 + 1 * minute):
        services.journal_add(by=unit.worker, case_id=case.pk, category="housing", text="Samtal")
    assert stored(case) == T0 + 1 * minute
    with at(T0 + 2 * minute):
        case = services.case_activate(by=unit.worker, case_id=case.pk, expected_version=case.version)
    assert stored(case) == case.latest_activity == T0 + 2 * minute
    with at(T0 + 3 * minute):
        draft = services.journal_add(by=unit.worker, case_id=case.pk, category="housing", text="Utkast")
    assert stored(case) == T0 + 3 * minute
    with at(T0 + 4 * minute):
        back = services.journal_entry_delete(
            by=unit.worker, case_id=case.pk, entry_id=draft.pk, expected_version=draft.version
        )
    assert stored(case) == back.latest_activity == T0 + 2 * minute  # the draft was the newest
    with at(T0 + 5 * minute):
        entry = services.journal_add(by=unit.worker, case_id=case.pk, category="housing", text="Möte")
    with at(T0 + 6 * minute):  # signing is no new entry: the list never counted it
        services.journal_sign(by=unit.worker, entry_id=entry.pk, expected_version=entry.version)
    assert stored(case) == T0 + 5 * minute
    with at(T0 + 7 * minute):
        case = services.case_close(
            by=unit.worker,
            case_id=case.pk,
            expected_version=_fresh(case).version,
            reason=CloseReason.GOALS_MET,
            text="",
        )
    assert stored(case) == T0 + 7 * minute
    with at(T0 + 8 * minute):
        services.case_close_decide(
            by=unit.supervisor, case_id=case.pk, expected_version=case.version, approve=False, note="Inte än"
        )
    assert stored(case) == T0 + 8 * minute
    assert kept([case.pk]) == computed([case.pk])


def test_a_write_never_moves_it_back(unit):
    """Two writers at once: the later time stays, whichever commits last (the database compares)."""
    with at(T0):
        case = _open(unit)
    services.case_latest_activity_move(case=case, at=T0 + dt.timedelta(hours=2))
    services.case_latest_activity_move(case=case, at=T0 + dt.timedelta(hours=1))
    assert stored(case) == case.latest_activity == T0 + dt.timedelta(hours=2)


def test_a_save_of_a_case_read_before_a_write_leaves_it(unit):
    """A whole save of an instance read before an entry was written (the stale instance a form holds)
    writes the column as it stands, not the instance's older value; the rest of the save still lands."""
    with at(T0):
        case = _open(unit)
    stale = _fresh(case)
    with at(T0 + dt.timedelta(hours=1)):
        services.journal_add(by=unit.worker, case_id=case.pk, category="housing", text="Samtal")
    assert stale.latest_activity == T0
    stale.milieu = "other"
    stale.save()
    assert stored(case) == T0 + dt.timedelta(hours=1)
    assert _fresh(case).milieu == "other"


def generations() -> dict:
    return dict(InputGeneration.objects.values_list("label", "generation"))


def test_a_journal_entry_or_a_status_change_leaves_the_published_indicators_stored(unit):
    """The latest activity is no input of an indicator: moving it (a bulk update of the case) must not
    raise the case's generation, or every case write of the city would stale the stored tables and
    queue on that one row (coordination.published). A field an indicator reads still raises it."""
    with at(T0):
        case = _open(unit)
    before = generations()
    with at(T0 + dt.timedelta(minutes=1)):
        services.journal_add(by=unit.worker, case_id=case.pk, category="housing", text="Samtal")
        case = services.case_activate(by=unit.worker, case_id=case.pk, expected_version=case.version)
        services.case_status_change_record(case=case, by=unit.worker, status=case.status)
        services.case_latest_activity_move(case=case, at=T0 + dt.timedelta(hours=1))
        services.case_latest_activity_recount(case_ids=[case.pk])
        case = services.case_close(
            by=unit.worker,
            case_id=case.pk,
            expected_version=case.version,
            reason=CloseReason.GOALS_MET,
            text="",
        )
        guarded = Case.objects.bypassing_guard("test: bulk writes of fields no indicator reads")
        guarded.filter(pk=case.pk).update(version=case.version)
        guarded.bulk_update([case], ["status", "version"])
    assert generations() == before
    raised = before.get("cases.case", 0)
    guarded = Case.objects.bypassing_guard("test: bulk writes of fields an indicator reads")
    guarded.filter(pk=case.pk).update(milieu="autonomous")
    assert generations()["cases.case"] == raised + 1
    guarded.filter(pk=case.pk).update(owner_unit_id=case.owner_unit_id)  # an attname counts too
    assert generations()["cases.case"] == raised + 2
    guarded.bulk_update([case], (name for name in ["version", "activity"]))
    assert generations()["cases.case"] == raised + 3
    with at(T0 + dt.timedelta(minutes=2)):  # closing sets closed_at, which an indicator reads
        services.case_close_decide(
            by=unit.supervisor, case_id=case.pk, expected_version=_fresh(case).version, approve=True, note=""
        )
    assert generations()["cases.case"] == raised + 4


def test_the_demos_history_counts_it_again(unit):
    with at(T0):
        case = _open(unit)
    with at(T0 + dt.timedelta(days=2)):
        case = services.case_activate(by=unit.worker, case_id=case.pk, expected_version=case.version)
        history.case_opened_on(case, (T0 - dt.timedelta(days=30)).date())
    assert kept([case.pk]) == computed([case.pk])
    assert stored(case) < T0


def test_a_case_made_past_the_services_starts_at_its_opening(unit):
    """Every way a case is made fills it: bulk_create too (the benchmark's data)."""
    district = unit.worker.organisation
    made = Case.objects.bypassing_guard("test: cases made in bulk").bulk_create(
        [
            Case(person=_open(unit).person, owner_unit=district, activity="other", responsible=unit.worker)
            for _ in range(2)
        ]
    )
    for case in made:
        assert stored(case) == case.opened_at == case.latest_activity


# --- Over a generated world, and after the backfill -----------------------------------------------

OPERATIONS = ("write", "draft", "delete draft", "sign", "activate", "propose", "refuse", "approve")


def _apply(unit, case: Case, operation: str) -> None:
    case = _fresh(case)
    if case.status == CaseStatus.CLOSED:
        return
    drafts = JournalEntry.objects.filter(case=case, signed_at__isnull=True).order_by("-created_at")
    if operation in ("write", "draft"):
        entry = services.journal_add(by=unit.worker, case_id=case.pk, category="housing", text="Text")
        if operation == "write":
            services.journal_sign(by=unit.worker, entry_id=entry.pk, expected_version=entry.version)
    elif operation in ("delete draft", "sign") and (draft := drafts.first()) is not None:
        if operation == "sign":
            services.journal_sign(by=unit.worker, entry_id=draft.pk, expected_version=draft.version)
        else:
            services.journal_entry_delete(
                by=unit.worker, case_id=case.pk, entry_id=draft.pk, expected_version=draft.version
            )
    elif operation == "activate" and case.status == CaseStatus.OPENED:
        services.case_activate(by=unit.worker, case_id=case.pk, expected_version=case.version)
    elif operation == "propose" and case.status != CaseStatus.CLOSING:
        services.case_close(
            by=unit.worker, case_id=case.pk, expected_version=case.version, reason=CloseReason.MOVED, text=""
        )
    elif operation in ("refuse", "approve") and case.status == CaseStatus.CLOSING:
        services.case_close_decide(
            by=unit.supervisor,
            case_id=case.pk,
            expected_version=case.version,
            approve=operation == "approve",
            note="" if operation == "approve" else "Inte än",
        )


@functools.cache
def _models_before_the_fill():
    """The models as the migration sees them (their plain managers, the fields of 0031)."""
    state = MigrationExecutor(connection).loader.project_state(("cases", "0031_case_latest_activity"))
    return state.apps


@hypothesis_settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(OPERATIONS), st.integers(0, 3)), min_size=1, max_size=14
    )
)
def test_the_kept_latest_activity_is_what_the_rows_say_and_the_backfill_says_the_same(unit, steps):
    moment = T0 + dt.timedelta(days=next(_serial))
    cases = []
    for _ in range(3):
        with at(moment):
            cases.append(_open(unit))
    for which, operation, minutes in steps:  # 0 minutes: at the same moment as the step before
        moment += dt.timedelta(minutes=minutes)
        with at(moment):
            _apply(unit, cases[which], operation)
    ids = [case.pk for case in cases]
    assert kept(ids) == computed(ids)

    # The migration that filled the column for the existing cases says the same.
    Case.objects.bypassing_guard("test: the column forgotten").filter(pk__in=ids).update(latest_activity=T0)
    fill = importlib.import_module("cases.migrations.0032_case_latest_activity_filled").fill
    fill(_models_before_the_fill(), SimpleNamespace(connection=connection))
    assert kept(ids) == computed(ids)
