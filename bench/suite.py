"""One engine, one data set: make sure the cached data is there, measure, write the rows as JSON.

Run by bench/run.py in a subprocess per engine and data set (Django binds one database at start).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path

from bench.rows import percentile, row

ROOT = Path(__file__).resolve().parent.parent
STALE = 3  # exit code: the cached data set was made differently; the runner drops it and retries


# --- The database and its cached data ---------------------------------------------------------


def prepare_database(dataset: str, mode: str) -> None:
    """Create the database if needed; rebuild the data if it is missing or was made differently."""
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    from bench import data, names
    from bench.models import BenchMeta

    wanted = {
        "version": f"names-{names.VERSION}" if dataset == "names" else data.DATA_VERSION,
        "dataset": dataset,
        "sizes": names.SIZES[mode] if dataset == "names" else data.SIZES[mode],
        "keys": _key_fingerprint(),
    }
    call_command("migrate", verbosity=0)  # Lotsa's own tables first: the baseline's refer to them
    call_command("migrate", "--run-syncdb", verbosity=0)
    meta = BenchMeta.objects.filter(key="dataset").first()
    if meta is not None and meta.value.get("wanted") == wanted:
        return
    if meta is not None or _has_rows():
        print(f"  stale benchmark data in {connection.settings_dict['NAME']}", file=sys.stderr)
        raise SystemExit(STALE)
    print(f"  generating the {dataset} data set ({mode}); it is kept for later runs", file=sys.stderr)
    started = time.perf_counter()
    if dataset == "names":
        built = names.build(mode)
    elif dataset == "cases":
        built = data.build_cases(data.SIZES[mode])
    else:
        built = data.build_people(data.SIZES[mode])
    BenchMeta.objects.create(key="dataset", value={"wanted": wanted, "built": built})
    # Fresh planner statistics, and on PostgreSQL the visibility map autovacuum keeps in a database in
    # use (without it an index-only scan still reads the table for every freshly loaded row).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"  generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _key_fingerprint() -> str:
    """Data encrypted under other keys (a deleted cache directory) cannot be reused."""
    import hashlib

    from lotsa import crypto

    keys = crypto.key_material()
    return hashlib.sha256(keys.master_keys[min(keys.master_keys)] + keys.blind_index_key).hexdigest()[:16]


def _has_rows() -> bool:
    from cases.models import Person

    return Person.objects.exists()


def built() -> dict:
    from bench.models import BenchMeta

    return BenchMeta.objects.get(key="dataset").value["built"]


# --- Rows 1 and 2: pages -----------------------------------------------------------------------------


def _client(user):
    from django.test import Client

    from tests.helpers import login_verified

    client = Client()
    login_verified(client, user)
    return client


def _time_requests(client, urls: dict, n: int, *, warmup: int = 3) -> dict:
    """Alternate between the URLs so drift hits every one alike; seconds per request."""
    for url in urls.values():
        for _ in range(warmup):
            assert client.get(url).status_code == 200, url
    samples = {name: [] for name in urls}
    for _ in range(n):
        for name, url in urls.items():
            started = time.perf_counter()
            response = client.get(url)
            samples[name].append(time.perf_counter() - started)
            assert response.status_code == 200, url
    return samples


def _p95s(samples) -> str:
    secure, plain = percentile(samples["secure"], 0.95), percentile(samples["plain"], 0.95)
    return f"p95 {secure * 1000:.1f} ms vs {plain * 1000:.1f} ms"


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


def measure_pages(n: int, mode: str) -> list[dict]:
    from accounts.models import User

    info = built()
    worker = User.objects.get(pk=info["worker"])
    client = _client(worker)
    rows = []
    for entries in ("10", "100"):
        ids = info["journal"][entries]
        samples = _time_requests(
            client,
            {
                "secure": f"/cases/{ids['case']}/",
                "plain": f"/bench/plain/cases/{ids['plain_case']}/",
            },
            n,
        )
        secure, plain = statistics.median(samples["secure"]), statistics.median(samples["plain"])
        rows.append(
            row(
                1,
                f"case page, {entries} journal entries",
                round(secure * 1000, 2),
                "ms median",
                "plaintext page, no access decision or audit",
                round(plain * 1000, 2),
                round(secure / plain, 2),
                _p95s(samples),
            )
        )
    from bench.data import SIZES

    total = SIZES[mode]["cases"]
    for size in (25, 100):
        samples = _time_requests(
            client, {"secure": f"/cases/?size={size}", "plain": f"/bench/plain/cases/?size={size}"}, n
        )
        secure, plain = statistics.median(samples["secure"]), statistics.median(samples["plain"])
        rows.append(
            row(
                2,
                f"my cases, page of {size} among {total:,} cases",
                round(secure * 1000, 2),
                "ms median",
                "plaintext list, no access filter or audit",
                round(plain * 1000, 2),
                round(secure / plain, 2),
                f"{_p95s(samples)}; queries {_queries(client, f'/cases/?size={size}')} vs "
                f"{_queries(client, f'/bench/plain/cases/?size={size}')}",
                queries=_queries(client, f"/cases/?size={size}"),
            )
        )
    return rows


# --- Row 3: lookup by personal identity number ----------------------------------------------------


def measure_lookup(mode: str) -> list[dict]:
    from bench.data import SIZES
    from cases.models import Person
    from lotsa.crypto import blind_index_lookup

    info = built()
    target = info["target"]
    sizes = SIZES[mode]
    rows = []
    for scope, queryset, count in (
        ("one unit", Person.objects.filter(organisation_id=info["unit"]), sizes["people_small"]),
        ("all units", Person.objects.all(), sizes["people"]),
    ):
        lookup = blind_index_lookup(Person, "personal_number_index", target)
        repeats = 200 if mode != "smoke" else 5
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            found = list(queryset.filter(**lookup).values_list("pk", flat=True))
            times.append(time.perf_counter() - started)
        assert len(found) == 1
        indexed = statistics.median(times)
        started = time.perf_counter()
        scanned = _decrypt_and_compare(queryset, target)
        scan = time.perf_counter() - started
        assert scanned == found
        rows.append(
            row(
                3,
                f"find by personal identity number among {count:,} people ({scope})",
                round(indexed * 1000, 3),
                "ms",
                "decrypt and compare every row",
                round(scan * 1000, 1),
                round(scan / indexed, 1),
                f"index: median of {repeats} lookups; scan: one pass decrypting every row",
            )
        )
    return rows


def _decrypt_and_compare(queryset, target: str) -> list:
    """What an encrypted column without a blind index forces: read every row, unwrap its data key,
    decrypt the number, compare. Every row, because a person can have a record in several units.
    Data keys are fetched in bulk per chunk, the best such code can do."""
    matches, chunk = [], []
    for person in queryset.only("id", "personal_number").iterator(chunk_size=5000):
        chunk.append(person)
        if len(chunk) == 5000:
            matches += _scan_chunk(chunk, target)
            chunk = []
    return matches + _scan_chunk(chunk, target)


def _scan_chunk(chunk, target) -> list:
    from lotsa import crypto

    with crypto.key_cache():
        crypto.prefetch_data_keys(p.pk for p in chunk)
        return [person.pk for person in chunk if person.personal_number == target]


# --- Row 4: field encryption ---------------------------------------------------------------------


def measure_fields(mode: str) -> list[dict]:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from cases.models import JournalEntry, Person
    from lotsa import crypto, keyfile

    loops = {"full": 20_000, "quick": 5_000, "smoke": 200}[mode]
    field = JournalEntry._meta.get_field("text")
    person = Person.objects.first()
    entry = JournalEntry(person_id=person.pk)
    rows = []
    key = keyfile.new_key()
    aesgcm = AESGCM(key)
    fernet = Fernet(Fernet.generate_key())
    with crypto.key_cache():
        crypto.data_key(person.pk)  # steady state in a request: the data key is cached
        for size in (100, 4096):
            text = "x" * size
            data = text.encode()
            ours_enc = timeit.timeit(lambda text=text: field.encrypt(entry, text), number=loops) / loops
            blob = field.encrypt(entry, text)
            ours_dec = timeit.timeit(lambda blob=blob: field.decrypt(entry, blob), number=loops) / loops
            nonce = os.urandom(12)
            floor_enc = (
                timeit.timeit(lambda data=data: aesgcm.encrypt(os.urandom(12), data, b"aad"), number=loops)
                / loops
            )
            sealed = aesgcm.encrypt(nonce, data, b"aad")
            floor_dec = (
                timeit.timeit(lambda s=sealed, n=nonce: aesgcm.decrypt(n, s, b"aad"), number=loops) / loops
            )
            token = fernet.encrypt(data)
            fernet_enc = timeit.timeit(lambda data=data: fernet.encrypt(data), number=loops) / loops
            fernet_dec = timeit.timeit(lambda token=token: fernet.decrypt(token), number=loops) / loops
            for verb, ours, floor, fern in (
                ("encrypt", ours_enc, floor_enc, fernet_enc),
                ("decrypt", ours_dec, floor_dec, fernet_dec),
            ):
                rows.append(
                    row(
                        4,
                        f"{verb} a {size}-byte value through our field",
                        round(ours * 1e6, 2),
                        "µs",
                        "bare AESGCM (the floor)",
                        round(floor * 1e6, 2),
                        round(ours / floor, 2),
                        f"Fernet {fern * 1e6:.2f} µs: ours is {ours / fern:.2f}× Fernet",
                    )
                )
    return rows


# --- Row 5: the access log -------------------------------------------------------------------------


def _append_worker(barrier, per_writer: int, out) -> None:
    """One writer process, as one application server process would be: its own connection, each
    event its own transaction."""
    from django.db import connections

    from audit import services as audit
    from audit.models import Action

    connections.close_all()  # never share the parent's connection
    latencies, error = [], ""
    try:
        barrier.wait()
        for _ in range(per_writer):
            began = time.perf_counter()
            audit.record(action=Action.VIEW, target_type="bench", reason="append bench")
            latencies.append(time.perf_counter() - began)
    except Exception as exc:  # reported in the row
        error = repr(exc)
    finally:
        connections.close_all()
    out.put((latencies, error))


def _sealer_worker(barrier, stop) -> None:
    from django.db import connections

    from audit import chain

    connections.close_all()
    barrier.wait()
    while not stop.is_set():
        if not chain.seal_pending():
            time.sleep(0.05)
    connections.close_all()


def measure_audit(mode: str, engine: str) -> list[dict]:
    """Appends by 1, 2 and 8 concurrent writer processes (each event its own transaction, as a
    request writes it), with a sealer process sealing alongside; the p99 of one append; then the
    verifier over the whole log in a separate process."""
    import multiprocessing

    from django.db import connections

    from audit import chain
    from audit import services as audit
    from audit.models import Seal

    per_writer = {"full": 1000, "quick": 300, "smoke": 10}[mode]
    rows = []
    writer_counts = (1, 2, 8) if engine == "postgres" else (1,)
    context = multiprocessing.get_context("fork")
    for writers in writer_counts:
        connections.close_all()
        barrier, stop, out = context.Barrier(writers + 2), context.Event(), context.Queue()
        processes = [
            context.Process(target=_append_worker, args=(barrier, per_writer, out)) for _ in range(writers)
        ]
        sealer = context.Process(target=_sealer_worker, args=(barrier, stop))
        for process in [*processes, sealer]:
            process.start()
        barrier.wait()
        started = time.perf_counter()
        results = [out.get() for _ in processes]
        elapsed = time.perf_counter() - started
        for process in processes:
            process.join()
        stop.set()
        sealer.join()
        behind = chain.seal_pending()
        latencies = sorted(latency for mine, _ in results for latency in mine)
        errors = [error for _, error in results if error]
        p99 = percentile(latencies, 0.99) * 1000 if latencies else 0
        rate = len(latencies) / elapsed
        rows.append(
            row(
                5,
                f"audit append, {writers} concurrent writer{'s' if writers > 1 else ''}, sealer alongside",
                round(rate),
                "events/s",
                note=f"p99 append {p99:.1f} ms; {behind} left to seal at the end"
                + ("; errors: " + "; ".join(errors) if errors else ""),
                p99_ms=round(p99, 1),
            )
        )
    audit.Sealer().tick(force_anchor=True)
    total = Seal.objects.order_by("-seq").values_list("total", flat=True).first() or 0
    result, elapsed, peak_kb, verifying = _verify_in_subprocess()
    rows.append(
        row(
            5,
            f"audit_verify over {total:,} events",
            round(total / verifying) if verifying else 0,
            "events/s",
            note=f"{'intact, unforked' if result == 0 else 'BROKEN'}; {verifying:.2f} s verifying, "
            f"{elapsed:.1f} s with start-up; peak memory {peak_kb / 1024:.0f} MiB (the whole process, "
            f"Django included)",
            peak_mib=round(peak_kb / 1024),
        )
    )
    return rows


def _verify_in_subprocess():
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "manage.py", "audit_verify", "--max-age", "1e9"],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if completed.returncode != 0:
        print(completed.stdout, completed.stderr, file=sys.stderr)
    import re

    found = re.search(r"verified \d+ events in ([0-9.]+) s", completed.stdout)
    return completed.returncode, elapsed, max(peak, before), float(found.group(1)) if found else 0.0


# --- Row 6: key rotation -------------------------------------------------------------------------


def measure_rotation() -> list[dict]:
    import io

    from django.core.management import call_command

    from cases.models import Person
    from lotsa import crypto
    from lotsa.models import DataKey

    subjects = DataKey.objects.filter(wrapped_key__isnull=False).count()
    started = time.perf_counter()
    call_command("rotate_keys", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    elapsed = time.perf_counter() - started
    version = crypto.key_material().current_version
    left = DataKey.objects.filter(master_version__lt=version, wrapped_key__isnull=False).count()
    sample = list(Person.objects.order_by("?")[:200])
    with crypto.key_cache():
        readable = sum(1 for person in sample if person.surname.startswith("Efternamn"))
    return [
        row(
            6,
            f"rotate_keys over {subjects:,} subjects",
            round(elapsed, 1),
            "s",
            note=f"{left} keys left under old versions; {readable} of {len(sample)} sampled people read",
        )
    ]


# --- Entry point -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", choices=["cases", "people", "names"], required=True)
    parser.add_argument("--mode", choices=["full", "quick", "smoke"], default="full")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rows", default="", help="only these row numbers, e.g. 5,8")
    args = parser.parse_args()
    only = {int(number) for number in args.rows.split(",") if number.strip()}
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    from bench import anchorfile, load, names, newpages, pointer

    prepare_database(args.dataset, args.mode)
    n = {"full": 200, "quick": 60, "smoke": 3}[args.mode]
    rows = []
    if args.dataset == "cases":
        steps = [
            ({1, 2}, lambda: measure_pages(n, args.mode)),
            ({4}, lambda: measure_fields(args.mode)),
            ({5}, lambda: measure_audit(args.mode, args.engine)),
            ({7}, lambda: load.measure_load(args.mode, args.engine)),
            ({6}, measure_rotation),
            ({10}, lambda: pointer.measure(args.mode)),
            ({11, 12, 13}, lambda: newpages.measure(args.mode, only)),
        ]
        if args.mode != "smoke" and args.engine == "sqlite":
            # The anchor file touches no database: measured once, beside SQLite's rows (the smoke run
            # of the test suite calls it directly, tests/test_anchor_file.py).
            steps.append(({8}, lambda: anchorfile.measure_anchor_file(args.mode)))
    elif args.dataset == "names":
        steps = [({9}, lambda: names.measure(args.mode, built()))]
    else:
        steps = [({3}, lambda: measure_lookup(args.mode))]
    steps = [step for numbers, step in steps if not only or numbers & only]
    for step in steps:
        measured = step()
        rows.extend(measured)
        if measured:
            print(f"  measured row {measured[-1]['row']}", file=sys.stderr, flush=True)
    for item in rows:
        item["engine"] = args.engine
    Path(args.out).write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
