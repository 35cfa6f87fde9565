"""Appends to the access log by two checkouts, side by side on one machine, in alternating rounds.

    python -m bench.compare_append --against ../lotsa-before      # e.g. a worktree of an older commit
    python -m bench.compare_append --against ../lotsa-before --writers 8 --events 2000 --rounds 3

A change to the log's write path is judged by the ratio of the two checkouts' rates measured in turn
in one run, never by an absolute figure from another day or another machine (absolute rates moved
by a third between two machines of the same kind). Each checkout writes into its own PostgreSQL
database (``lotsa_append_<name>``, created and migrated by its own code), with a sealer sealing
alongside, exactly as row 5 of ``bench.run`` does; the rounds alternate so that a slow spell of
the machine falls on both.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.rows import percentile

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"


def probe(writers: int, events: int) -> None:
    """Run inside the checkout being measured (its code first on ``sys.path``): one round, printed
    as ``rate p99_ms errors``."""
    import multiprocessing

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    from bench.suite import _append_worker, _sealer_worker  # the checkout's own writer and sealer

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier, stop, out = context.Barrier(writers + 2), context.Event(), context.Queue()
    processes = [context.Process(target=_append_worker, args=(barrier, events, out)) for _ in range(writers)]
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
    latencies = sorted(latency for mine, _ in results for latency in mine)
    errors = sum(1 for _, error in results if error)
    print(f"{len(latencies) / elapsed:.0f} {percentile(latencies, 0.99) * 1000:.1f} {errors}")


def _round(checkout: Path, writers: int, events: int) -> tuple[float, float]:
    name = re.sub(r"\W", "_", checkout.name).lower()
    database = f"lotsa_append_{name}"
    import psycopg

    with psycopg.connect(f"{PG.replace('postgres://', 'postgresql://')}/postgres", autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            db.execute(f'CREATE DATABASE "{database}"')
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONPATH": str(checkout),
    }
    code = f"import sys; sys.path.insert(0, {str(checkout)!r}); " + (
        f"import importlib.util as u; s = u.spec_from_file_location('probe', {str(Path(__file__))!r}); "
        f"m = u.module_from_spec(s); s.loader.exec_module(m); m.probe({writers}, {events})"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=checkout, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(f"{checkout}: {completed.stderr.strip().splitlines()[-1:]}")
    rate, p99, errors = completed.stdout.split()[-3:]
    if int(errors):
        raise SystemExit(f"{checkout}: {errors} writers failed")
    return float(rate), float(p99)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--against", required=True, type=Path, help="the other checkout's root")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--events", type=int, default=2000, help="events per writer per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    checkouts = {"this": ROOT, "other": args.against.resolve()}
    rates: dict[str, list[float]] = {key: [] for key in checkouts}
    for number in range(args.rounds):
        for key, checkout in checkouts.items():
            rate, p99 = _round(checkout, args.writers, args.events)
            rates[key].append(rate)
            print(f"round {number + 1}, {key} ({checkout.name}): {rate:.0f}/s, p99 {p99} ms", flush=True)
    this, other = statistics.median(rates["this"]), statistics.median(rates["other"])
    ratio = this / other
    print(f"medians of {args.rounds} rounds: this {this:.0f}/s, other {other:.0f}/s, ratio {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
