"""Row 7: a real server under load, the tamper window while it lasts, and the knee.

gunicorn serves Lotsa on 127.0.0.1 (nothing else is reachable) against the benchmark's PostgreSQL
database; the sealer runs beside it as in production; locust drives simulated users for a bounded
time with a mixed workload (bench/locustfile.py): social workers, police members of intervention
groups, the defector programme and the unit's supervisor. Reported: p50/p95/p99, errors, requests
against the access events they wrote, and how far the newest signed anchor lagged behind the log's
head; then the knee, the most users the server carries at p95 <= GOAL_MS, found by steps of shorter
runs on the same server (see ``knee``).

What the new pages need and the cached "cases" data set lacks is made here, without touching the data
set's version or shape as the other rows see it:
* the defector programme (a unit of its own, its worker, supervisor and BOPS, a few programme cases
  through the services, at several stages of the gate): made once, kept, and reused by later runs.
  Its people are named as the data set names its own (the rotation row reads those names back);
* the name index of the worker's cases' people, under realistic names (bench.names.name_for): the
  data set's people are all "Förnamn<n> Efternamn<n>" with no rows in the index. They are renamed
  for the run and named back afterwards (their index rows removed); which of the data set's people
  each one was (its n: the name is the data set's rule, bench.data.name_of) is kept in a file beside
  the cache first, so that a run that died is undone by the next one; never a name (plaintext of an
  encrypted field) on disk. Only in a benchmark's own database (BenchMeta present);
* the unit's supervisor (already in the data set) gets sessions of its own.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import json
import math
import os
import resource
import secrets
import signal
import socket
import string
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 150
PLAN = {"full": (50, 60), "quick": (50, 30), "smoke": (4, 4)}  # users, seconds
# The knee: seconds per step, the users tried (the load row's own run counts as the step at its
# number of users), and how long the whole search may take (it reports what it reached by then).
KNEE = {
    "full": (30, (5, 10, 20, 30, 40, 50, 75, 100, 125, 150, 200, 250, 300, 400), 900),
    "quick": (15, (5, 10, 20, 30, 40, 50, 75, 100, 125, 150, 200, 250, 300, 400), 420),
    "smoke": (2, (2, 4), 20),
}
# Before the first measured step, a run that is not reported (users, seconds): a worker's first
# requests load the URLs, templates and translations; a server in use has done so long since.
WARM_UP = {"full": (20, 10), "quick": (20, 10), "smoke": (4, 4)}
# The server: sync workers (the pages are CPU-bound Python on two cores; see docs/benchmarks.md for
# the workers measured) and persistent database connections (a new PostgreSQL connection per request
# costs a backend process start on the same cores).
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "0")) or max(2, (os.cpu_count() or 2) + 1)
CONN_MAX_AGE = os.environ.get("BENCH_LOAD_CONN_MAX_AGE", "60")
PROGRAMME_CASES = 12
PROGRAMME_NUMBERS = 25_000_000  # personal identity numbers far above any data set's (bench.data.number_for)
LOAD_NAMES = 2_000_000  # bench.names.name_for(LOAD_NAMES + n): the renamed people's names


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session_for(user) -> tuple[str, str]:
    """A logged-in session with a verified second factor, as the login pages would leave it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.services import SESSION_AUTH_AT, SESSION_LAST_SEEN

    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="load", defaults={"confirmed": True})
    store = engine.SessionStore()
    now = timezone.now().timestamp()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store[SESSION_AUTH_AT] = now
    store[SESSION_LAST_SEEN] = now
    store.create()
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    return store.session_key, csrf


# --- What the run needs -----------------------------------------------------------------------------


def _police(worker, cases):
    """The police organisation and member, and ten of the worker's cases shared with it under consent
    (made once, through the services)."""
    import datetime as dt

    from accounts.models import Organisation, OrganisationKind, RoleGrant, User
    from accounts.roles import Role
    from cases import services as case_services
    from consent import services as consent_services
    from consent.models import Consent

    police_org, _ = Organisation.objects.get_or_create(
        name="Bench polisområde", defaults={"kind": OrganisationKind.POLICE}
    )
    police, _ = User.objects.get_or_create(
        username="bench.police", defaults={"organisation": police_org, "first_name": "Bench"}
    )
    RoleGrant.objects.get_or_create(user=police, role=Role.EXTERNAL_MEMBER)
    shared = cases[:10]
    for case in shared:
        if not Consent.objects.filter(case=case, recipients=police_org).exists():
            consent_services.consent_record(
                by=worker,
                case_id=case.pk,
                terms=consent_services.ConsentTerms(
                    purpose="intervention_group",
                    purpose_text="",
                    recipient_ids=[police_org.pk],
                    categories=["work_income"],
                    valid_from=dt.date.today(),
                    valid_until=dt.date.today() + dt.timedelta(days=365),
                    given_how="oral",
                    witness="Bench",
                ),
            )
            entry = case_services.journal_add(
                by=worker, case_id=case.pk, category="work_income", text="Praktikplats ordnad"
            )
            case_services.journal_sign(by=worker, entry_id=entry.pk, expected_version=entry.version)
    return police, shared


def _programme():
    """The defector programme's unit, worker, supervisor and BOPS, and PROGRAMME_CASES cases at several
    stages (made once, through the services, and kept: later runs reuse them). Two in three have the
    gate open with a decision and interventions (one a placement whose address the page shows); the
    others wait at the gate."""
    import datetime as dt

    from accounts.models import Organisation, OrganisationKind, RoleGrant, User
    from accounts.roles import Role
    from bench.data import name_of, number_for
    from cases import services as case_services
    from cases.models import Case
    from consent import services as consent_services
    from defectors import services as programme

    unit, _ = Organisation.objects.get_or_create(
        name="Bench avhopparverksamhet", defaults={"kind": OrganisationKind.DEFECTOR_PROGRAMME}
    )
    bops_org, _ = Organisation.objects.get_or_create(
        name="Bench BOPS", defaults={"kind": OrganisationKind.BOPS}
    )
    people = {}
    for username, organisation, role in (
        ("bench.programme", unit, Role.DEFECTOR_PROGRAMME),
        ("bench.programme.chef", unit, Role.SUPERVISOR),
        ("bench.bops", bops_org, Role.EXTERNAL_MEMBER),
    ):
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"organisation": organisation, "first_name": "Bench", "last_name": username},
        )
        RoleGrant.objects.get_or_create(user=user, role=role)
        people[username] = user
    worker, chef, bops = people["bench.programme"], people["bench.programme.chef"], people["bench.bops"]
    today = dt.date.today()
    made = Case.objects.filter(owner_unit=unit).count()
    for n in range(made, PROGRAMME_CASES):
        i = PROGRAMME_NUMBERS + n
        case = case_services.case_open(
            by=worker,
            number=number_for(i),
            details=case_services.PersonDetails(
                given_names=name_of(i)[0],
                surname=name_of(i)[1],
                contact={"phone": f"070-{n:07d}"},
                address={"street": f"Benchgatan {n}", "postcode": "164 00", "town": "Stockholm"},
                protected_identity="none",
            ),
            activity="defector_programme",
            milieu="unclear",
        )
        consent_services.consent_record(
            by=worker,
            case_id=case.pk,
            terms=consent_services.ConsentTerms(
                purpose="defector_programme",
                purpose_text="",
                recipient_ids=[bops_org.pk],
                categories=["threat_protection", "interventions_plans"],
                valid_from=today,
                valid_until=today + dt.timedelta(days=365),
                given_how="oral",
                witness="Bench",
            ),
        )
        programme.bops_assess(
            by=bops, person_id=case.person_id, level="high", special_protection_need=True, notes="Bench"
        )
        programme.not_protected_witness_confirm(by=worker, case_id=case.pk)
        if n % 3 == 2:
            continue  # waits at the gate: the conditions form and the decision are missing
        programme.conditions_record(
            by=worker, case_id=case.pk, signed_on=today - dt.timedelta(days=10), witness="Bench BOPS"
        )
        decision = programme.decision_prepare(
            by=worker, case_id=case.pk, section="sol_4_1", text="Bistånd i form av boende med stöd."
        )
        programme.decision_review(by=chef, decision_id=decision.pk, approve=True, note="")
        budget = programme.intervention_add(
            by=worker,
            case_id=case.pk,
            kind="budget_debt",
            section="sol_4_1",
            provider="Budget- och skuldrådgivningen",
            starts_on=today - dt.timedelta(days=5),
            planned_end=today + dt.timedelta(days=90),
        )
        programme.intervention_update(
            by=worker,
            intervention_id=budget.pk,
            status="ongoing",
            follow_up="Första mötet.",
            expected_version=1,
        )
        flat = programme.intervention_add(
            by=worker,
            case_id=case.pk,
            kind="training_flat",
            section="sol_4_1",
            provider="Stadens bostadssociala enhet",
            starts_on=today - dt.timedelta(days=3),
            planned_end=today + dt.timedelta(days=180),
        )
        programme.placement_add(
            by=worker,
            intervention_id=flat.pk,
            address={"street": f"Skyddad väg {n}", "postcode": "123 45", "town": "Stockholm"},
            protected_housing=True,
            outside_stockholm=False,
        )
    cases = list(Case.objects.filter(owner_unit=unit).order_by("opened_at", "pk"))
    return worker, cases


def _names_file() -> Path:
    """Where the names to give back are kept, one file per database."""
    from django.db import connection

    cache = Path(os.environ.get("BENCH_CACHE_DIR", ROOT / "bench" / ".cache"))
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:10]
    return cache / f"load-renamed-{database}.json"


def _refuse_unless_bench_database() -> None:
    """Renaming people is for a benchmark's own data set: never a database that holds real ones."""
    from django.db import connection

    from bench.models import BenchMeta

    if not BenchMeta.objects.filter(key="dataset").exists():
        raise SystemExit(
            f"{connection.settings_dict['NAME']} is no benchmark database (no BenchMeta): its people are "
            f"not renamed"
        )


def restore_names() -> int:
    """Name the people renamed for a run back as the data set made them, and remove their rows of the
    name index (the data set has none). Also what a run that died left behind."""
    from bench.data import name_of
    from cases.models import Person, PersonNameToken
    from lotsa import crypto

    path = _names_file()
    if not path.exists():
        return 0
    _refuse_unless_bench_database()
    kept = json.loads(path.read_text())  # person id -> the data set's n
    with crypto.key_cache():
        for person in Person.objects.filter(pk__in=list(kept)):
            n = kept[str(person.pk)]
            # (A list: the names themselves, left by a run before the file held only n.)
            person.given_names, person.surname = tuple(n) if isinstance(n, list) else name_of(n)
            person.save()
    PersonNameToken.objects.filter(person_id__in=list(kept)).delete()
    path.unlink()
    return len(kept)


def _rename(cases) -> list[dict]:
    """The worker's cases' people under realistic names, with their rows of the name index, for the
    run (``restore_names`` names them back). The searches the simulated users make: a given name and
    the surname (most), or the surname and the birth year."""
    from bench.data import index_of_name
    from bench.names import name_for
    from lotsa import crypto

    _refuse_unless_bench_database()
    restore_names()
    path = _names_file()
    people = [case.person for case in cases]
    with crypto.key_cache():
        crypto.prefetch_data_keys(person.pk for person in people)
        kept = {str(p.pk): index_of_name(p.given_names, p.surname) for p in people}
        if None in kept.values():
            raise SystemExit("a person of the worker's cases is not named as the data set names its own")
        path.write_text(json.dumps(kept))
        searches = []
        for n, person in enumerate(people):
            given, surname, _year = name_for(LOAD_NAMES + n)
            person.given_names, person.surname = given, surname
            person.save()  # the name index follows (cases.models.Person.save)
            born = person.birth_date
            searches.append({"name": f"{given.split()[0]} {surname}"})
            if born is not None and n % 3 == 0:
                searches.append({"name": surname, "born": str(born.year)})
    return searches


def prepare() -> dict:
    """What every step shares: the cases, numbers and names to search, the people shared with the
    police, the programme's cases, the people whose access log the supervisor reads."""
    from accounts.models import User
    from bench.data import number_for
    from cases.models import Case

    worker = User.objects.get(username="bench.worker")
    cases = list(
        Case.objects.filter(responsible=worker).select_related("person").order_by("opened_at", "pk")[:200]
    )
    _police_user, shared = _police(worker, cases)
    _programme_worker, programme_cases = _programme()
    index = {case.pk: n for n, case in enumerate(cases)}
    searches = _rename(cases)
    from django.conf import settings

    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "cases": [str(case.pk) for case in cases],
        "numbers": [number_for(index[case.pk] * 50) for case in cases[:50]],
        "names": searches,
        "shared": [str(case.person_id) for case in shared],
        "programme": [str(case.pk) for case in programme_cases],
        "people": [str(case.person_id) for case in cases[:50]],
    }


# The simulated users' kinds and their weights (bench/locustfile.py reads the weights from here).
KINDS = {
    "worker": ("bench.worker", 8),
    "police": ("bench.police", 2),
    "programme": ("bench.programme", 1),
    "supervisor": ("bench.supervisor", 1),
}


def _sessions(users: int) -> tuple[dict, dict]:
    """Fresh sessions for a step (made just before it: a session idle for LOTSA_IDLE_TIMEOUT ends), as
    many of each kind as locust will start, and one more."""
    from accounts.models import User

    total = sum(weight for _username, weight in KINDS.values())
    sessions, csrf = {}, {}
    for kind, (username, weight) in KINDS.items():
        user = User.objects.get(username=username)
        sessions[kind] = []
        for _ in range(math.ceil(users * weight / total) + 1):
            key, token = _session_for(user)
            sessions[kind].append(key)
            csrf[key] = token
    return sessions, csrf


# --- The server and one step ----------------------------------------------------------------------


def _wait_for(url: str, seconds: float = 180) -> None:
    """Until the server answers (each worker imports Django on starting: many seconds on busy cores)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (127.0.0.1 only)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server at {url} did not come up")


def _watch_anchors(stop: threading.Event, lags: list) -> None:
    """Every second: how long the log's head has gone without a signed anchor covering it."""
    from django.conf import settings
    from django.db import connections

    from audit import anchors
    from audit.models import Seal
    from lotsa import keyfile

    public = keyfile.load_anchor_public(settings.LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE)
    path = Path(settings.LOTSA_AUDIT_ANCHOR_FILE)
    try:
        while not stop.wait(1.0):
            head = Seal.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
            newest = anchors.last(path, public)
            covered = newest.seal if newest else 0
            if head > covered:
                lags.append(time.time() - (newest.at if newest else time.time()))
            else:
                lags.append(0.0)
    finally:
        connections.close_all()


@dataclasses.dataclass(frozen=True)
class Server:
    host: str
    pid: int

    def cpu_seconds(self) -> float:
        """The CPU time gunicorn's workers have used so far (Linux: /proc), 0.0 where unknown."""
        total = 0.0
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            for child in children:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return 0.0
        return total


@contextlib.contextmanager
def serving(env: dict, workers: int, threads: int = 1):
    """gunicorn on a free port of 127.0.0.1 with the sealer beside it, until the block ends."""
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--access-logfile", "-",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    sealer = subprocess.Popen(
        [sys.executable, "manage.py", "audit_sealer", "--interval", "0.5"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(host + "/health/")
        yield Server(host, server.pid)
    finally:
        for process in (server, sealer):
            process.send_signal(signal.SIGTERM)
        for process in (server, sealer):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def step(server: Server, data: dict, users: int, seconds: int, env: dict, cache: Path) -> dict:
    """One locust run of ``users`` users for ``seconds`` s: its figures, and whether every answered
    request wrote its access event (by X-Request-ID). Also what the run cost in CPU, which the busy
    machine's other work does not inflate as it does the times: gunicorn's workers' CPU per request,
    and locust's share of a core."""
    host = server.host
    from django.db.models import Max

    from audit.models import AccessEvent

    sessions, csrf = _sessions(users)
    data_file = cache / "load.json"
    data_file.write_text(json.dumps({**data, "host": host, "sessions": sessions, "csrf": csrf}))
    ids_file = cache / "load-request-ids.json"
    ids_file.unlink(missing_ok=True)
    prefix = cache / "load"
    first = (AccessEvent.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    started = time.time()
    harness = resource.getrusage(resource.RUSAGE_CHILDREN)
    served = server.cpu_seconds()
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
         "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
         "--host", host, "--csv", str(prefix), "--only-summary", "--exit-code-on-error", "0",
         "--stop-timeout", "5"],
        cwd=ROOT, env={**env, "LOTSA_LOAD_DATA": str(data_file), "LOTSA_LOAD_IDS": str(ids_file)},
        capture_output=True, text=True, timeout=seconds + 120, check=True,
    )  # fmt: skip
    elapsed = time.time() - started
    served = server.cpu_seconds() - served
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    harness_cpu = (after.ru_utime - harness.ru_utime) + (after.ru_stime - harness.ru_stime)
    with open(f"{prefix}_stats.csv", newline="") as handle:
        stats = {line["Name"]: line for line in csv.DictReader(handle)}
    total = stats.pop("Aggregated")
    written = AccessEvent.objects.filter(id__gte=first)
    answered = [i for i in json.loads(ids_file.read_text()) if i]
    logged = set()
    for offset in range(0, len(answered), 5000):
        chunk = answered[offset : offset + 5000]
        logged |= set(written.filter(request_id__in=chunk).values_list("request_id", flat=True))
    requests = int(total["Request Count"])
    figure = lambda value: float(value) if value not in ("", "N/A") else None  # noqa: E731 (none answered)
    result = {
        "users": users,
        "seconds": seconds,
        "p50": figure(total["50%"]),
        "p95": figure(total["95%"]),
        "p99": figure(total["99%"]),
        "requests": requests,
        "rate": requests / elapsed,
        "errors": int(total["Failure Count"]),
        "answered": len(answered),
        "with_events": sum(1 for i in answered if i in logged),
        "events": written.count(),
        "harness_cpu": harness_cpu / elapsed,  # locust's share of one core
        "server_cpu_ms": served * 1000 / max(1, len(answered)),  # gunicorn's workers, per request
        "pages": {name: figure(line["95%"]) for name, line in sorted(stats.items())},
    }
    result["held"] = (
        result["errors"] == 0
        and result["requests"] > 0
        and result["with_events"] == result["answered"]
        and result["p95"] is not None
        and result["p95"] <= GOAL_MS
    )
    print(
        f"  [load] {users} users {seconds} s: p95 {_ms(result['p95'])}, {result['errors']} errors, "
        f"{result['rate']:.0f}/s, events {result['with_events']}/{result['answered']}, locust "
        f"{result['harness_cpu']:.0%} of a core, workers {result['server_cpu_ms']:.0f} ms CPU a request",
        file=sys.stderr,
        flush=True,
    )
    return result


def _ms(value) -> str:
    return "none answered" if value is None else f"{value:.0f} ms"


def knee(run, first: dict, mode: str) -> tuple[int | None, list[dict], bool]:
    """The most users held (p95 <= GOAL_MS, no error, every answered request's event written), up or
    down a ladder of users from the load row's own run, then halfway between the last held and the
    first not held. A step that falls short is run once more and counts as held if that run holds
    (the machine may be busy with other work for a moment); one that falls short twice ends the
    climb. Returns the users held (None: not even the ladder's first), every run, and whether the
    search ran out of time before it had its answer."""
    seconds, ladder, budget = KNEE[mode]
    deadline = time.monotonic() + budget
    runs = [first]
    out_of_time = False

    def holds(users: int) -> bool | None:
        nonlocal out_of_time
        for _attempt in (1, 2):
            if time.monotonic() > deadline:
                out_of_time = True
                return None
            result = run(users, seconds)
            runs.append(result)
            if result["held"]:
                return True
        return False

    start = first["users"]
    held = start if first["held"] or holds(start) else None
    if held is None and out_of_time:
        return None, runs, True
    higher = [u for u in ladder if u > start]
    lower = [u for u in sorted(ladder, reverse=True) if u < start]
    failed = None if held else start
    if held:
        for users in higher:
            verdict = holds(users)
            if verdict is None:
                break
            if not verdict:
                failed = users
                break
            held = users
    else:
        for users in lower:
            verdict = holds(users)
            if verdict is None:
                break
            if verdict:
                held = users
                break
            failed = users
    if held is not None and failed is not None and not out_of_time:
        middle = (held + failed) // 2
        if middle not in (held, failed) and failed - held > max(2, held // 5) and holds(middle):
            held = middle
    return held, runs, out_of_time


def measure_load(mode: str, engine: str) -> list[dict]:
    from bench.rows import row

    if engine != "postgres":
        return []  # the row is about PostgreSQL under concurrent load
    users, seconds = PLAN[mode]
    cache = Path(os.environ.get("BENCH_CACHE_DIR", ROOT / "bench" / ".cache"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_CONN_MAX_AGE": CONN_MAX_AGE,
    }
    stop, lags = threading.Event(), []
    watcher = threading.Thread(target=_watch_anchors, args=(stop, lags))
    try:
        data = prepare()
        with serving(env, WORKERS) as server:
            watcher.start()
            run = lambda n, s: step(server, data, n, s, env, cache)  # noqa: E731
            run(WARM_UP[mode][0], WARM_UP[mode][1])  # every worker has served every kind of page once
            del lags[:]
            main = run(users, seconds)
            main_lags = list(lags)
            held, runs, out_of_time = knee(run, main, mode)
    finally:
        stop.set()
        if watcher.is_alive():
            watcher.join()
        restore_names()
    note = (
        f"p50 {_ms(main['p50'])}, p99 {_ms(main['p99'])}; {main['requests']} requests "
        f"({main['rate']:.0f}/s), {main['errors']} errors; {main['with_events']} of the {main['answered']} "
        f"answered requests wrote access events ({main['events']} events in all); gunicorn's workers "
        f"used {main['server_cpu_ms']:.0f} ms CPU a request, locust {main['harness_cpu']:.0%} of a core"
    )
    note += "".join(f"; {name} p95 {_ms(p95)}" for name, p95 in main["pages"].items())
    steps = "; ".join(
        f"{r['users']} users {r['seconds']} s: p95 {_ms(r['p95'])}, {r['errors']} errors, {r['rate']:.0f}/s, "
        f"{r['server_cpu_ms']:.0f} ms CPU a request"
        + ("" if r["with_events"] == r["answered"] else f", {r['answered'] - r['with_events']} without event")
        + (" (held)" if r["held"] else " (not held)")
        for r in runs
    )
    knee_seconds, _ladder, _budget = KNEE[mode]
    return [
        row(
            7,
            f"load: {users} users clicking every 0.5-1.5 s for {seconds} s (gunicorn, {WORKERS} workers, "
            f"PostgreSQL)",
            main["p95"],
            "ms p95",
            note=note,
            p50_ms=main["p50"],
            p99_ms=main["p99"],
            requests=main["requests"],
            errors=main["errors"],
            answered=main["answered"],
            requests_with_events=main["with_events"],
            pages_p95_ms=main["pages"],
        ),
        row(
            7,
            "tamper window under that load: newest anchor behind the head",
            round(max(main_lags, default=0.0), 1),
            "s at most",
            note=f"sampled every second; median "
            f"{sorted(main_lags)[len(main_lags) // 2] if main_lags else 0:.1f} s; the sealer anchors at "
            f"most 10 s after the head moves (LOTSA_AUDIT_ANCHOR_INTERVAL); "
            f"{max(lags, default=0.0):.1f} s at most over the knee's steps too",
        ),
        row(
            7,
            f"the knee: users held at p95 <= {GOAL_MS} ms, 0 errors, every event written (steps of "
            f"{knee_seconds} s)",
            held if held is not None else 0,
            "users",
            note=("the search ran out of its time; " if out_of_time else "")
            + f"steps in order (the first is the load row's own run; a step short of the goal is run "
            f"once more): {steps}",
            knee_users=held,
            knee_steps=[{k: v for k, v in r.items() if k != "pages"} for r in runs],
        ),
    ]
