"""Row 7: a real server under load, and the tamper window while it lasts.

gunicorn serves Lotsa on 127.0.0.1 (nothing else is reachable) against the benchmark's PostgreSQL
database; the sealer runs beside it as in production; locust drives simulated users for a bounded
time with a mixed workload (bench/locustfile.py). Reported: p50/p95/p99, errors, requests against
the access events they wrote, and how far the newest signed anchor lagged behind the log's head.
"""

from __future__ import annotations

import csv
import json
import os
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
PLAN = {"full": (50, 60), "quick": (50, 30), "smoke": (4, 4)}  # users, seconds


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


def prepare(users: int) -> dict:
    """Sessions for the simulated users, the cases they work on, numbers to search, and people shared
    with the police under consent (made once, through the services)."""
    import datetime as dt

    from accounts.models import Organisation, OrganisationKind, RoleGrant, User
    from accounts.roles import Role
    from bench.data import number_for
    from cases import services as case_services
    from cases.models import Case
    from consent import services as consent_services
    from consent.models import Consent

    worker = User.objects.get(username="bench.worker")
    police_org, _ = Organisation.objects.get_or_create(
        name="Bench polisområde", defaults={"kind": OrganisationKind.POLICE}
    )
    police, _ = User.objects.get_or_create(
        username="bench.police", defaults={"organisation": police_org, "first_name": "Bench"}
    )
    RoleGrant.objects.get_or_create(user=police, role=Role.EXTERNAL_MEMBER)
    cases = list(Case.objects.filter(responsible=worker).order_by("opened_at", "pk")[:200])
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
    police_slots = max(1, users // 5)
    sessions = {"worker": [], "police": []}
    csrf = {}
    for kind, user, slots in (("worker", worker, users), ("police", police, police_slots)):
        for _ in range(slots):
            key, token = _session_for(user)
            sessions[kind].append(key)
            csrf[key] = token
    index = {case.pk: n for n, case in enumerate(cases)}
    from django.conf import settings

    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "sessions": sessions,
        "csrf": csrf,
        "cases": [str(case.pk) for case in cases],
        "numbers": [number_for(index[case.pk] * 50) for case in cases[:50]],
        "shared": [str(case.person_id) for case in shared],
    }


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (127.0.0.1 only)
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


def measure_load(mode: str, engine: str) -> list[dict]:
    from django.db.models import Max

    from audit.models import AccessEvent
    from bench.rows import row

    if engine != "postgres":
        return []  # the row is about PostgreSQL under concurrent load
    users, seconds = PLAN[mode]
    data = prepare(users)
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    data["host"] = host
    cache = Path(os.environ.get("BENCH_CACHE_DIR", ROOT / "bench" / ".cache"))
    data_file = cache / "load.json"
    data_file.write_text(json.dumps(data))
    ids_file = cache / "load-request-ids.json"
    ids_file.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "LOTSA_LOAD_DATA": str(data_file),
        "LOTSA_LOAD_IDS": str(ids_file),
    }
    workers = str(max(2, (os.cpu_count() or 2) * 2))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", workers, "--access-logfile", "-", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    sealer = subprocess.Popen(
        [sys.executable, "manage.py", "audit_sealer", "--interval", "0.5"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    stop, lags = threading.Event(), []
    watcher = threading.Thread(target=_watch_anchors, args=(stop, lags))
    try:
        _wait_for(host + "/health/")
        first = (AccessEvent.objects.aggregate(last=Max("id"))["last"] or 0) + 1
        prefix = cache / "load"
        watcher.start()
        started = time.time()
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
             "--host", host, "--csv", str(prefix), "--only-summary", "--exit-code-on-error", "0",
             "--stop-timeout", "5"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120, check=True,
        )  # fmt: skip
        elapsed = time.time() - started
    finally:
        stop.set()
        if watcher.is_alive():
            watcher.join()
        for process in (server, sealer):
            process.send_signal(signal.SIGTERM)
        for process in (server, sealer):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    with open(f"{prefix}_stats.csv", newline="") as handle:
        stats = {line["Name"]: line for line in csv.DictReader(handle)}
    total = stats["Aggregated"]
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    written = AccessEvent.objects.filter(id__gte=first)
    answered = [i for i in json.loads(ids_file.read_text()) if i]
    logged = set(written.filter(request_id__in=answered).values_list("request_id", flat=True))
    with_events = sum(1 for i in answered if i in logged)
    rows = [
        row(
            7,
            f"load: {users} users clicking every 0.5-1.5 s for {seconds} s (gunicorn, {workers} workers, "
            f"PostgreSQL)",
            float(total["95%"]),
            "ms p95",
            note=f"p50 {total['50%']} ms, p99 {total['99%']} ms; {requests} requests "
            f"({requests / elapsed:.0f}/s), {failures} errors; {with_events} of the {len(answered)} answered "
            f"requests wrote access events ({written.count()} events in all)",
            p50_ms=float(total["50%"]),
            p99_ms=float(total["99%"]),
            requests=requests,
            errors=failures,
            answered=len(answered),
            requests_with_events=with_events,
        ),
        row(
            7,
            "tamper window under that load: newest anchor behind the head",
            round(max(lags, default=0.0), 1),
            "s at most",
            note=f"sampled every second; median {sorted(lags)[len(lags) // 2] if lags else 0:.1f} s; "
            f"the sealer anchors at most 10 s after the head moves (LOTSA_AUDIT_ANCHOR_INTERVAL)",
        ),
    ]
    for name, line in sorted(stats.items()):
        if name != "Aggregated":
            rows[0]["note"] += f"; {name} p95 {line['95%']} ms"
    return rows
