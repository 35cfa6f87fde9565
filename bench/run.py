"""The benchmark runner: every row on SQLite and on PostgreSQL, side by side, as a table and JSON.

    make bench              # the full run (first run generates and caches the data sets)
    make bench QUICK=1      # small data sets, for a quick look
    python -m bench.run --smoke --engines sqlite   # tiny: what the test suite runs

Absolute times drift on shared machines; the ratios, measured side by side in one run, are the
figures to read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"
STALE = 3
# The rows each data set measures (row 3 on the people, row 9 on the names, the others on the cases;
# rows 10-13, the cross-unit pointer's timing and the newer pages, make what they need in a transaction
# they roll back).
DATASET_ROWS = {
    "people": {"3"},
    "names": {"9"},
    "cases": {"1", "2", "4", "5", "6", "7", "8", "10", "11", "12", "13"},
}


def database_url(engine: str, dataset: str, mode: str, pg_url: str, cache: Path) -> str:
    if engine == "sqlite":
        return f"sqlite:///{cache / f'bench-{mode}-{dataset}.sqlite3'}"
    base = pg_url.rsplit("/", 1)[0]
    # BENCH_DB_PREFIX keeps a run's databases apart from the shared ones (the test suite's smoke run
    # uses its test database's name, so that two suites on one server do not drop each other's).
    prefix = os.environ.get("BENCH_DB_PREFIX", "lotsa_bench")
    return f"{base}/{prefix}_{mode}_{dataset}"


def _pg(pg_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url.replace("postgres://", "postgresql://"), autocommit=True) as connection:
        connection.execute(sql)


def ensure_database(engine: str, url: str, pg_url: str, *, fresh: bool = False) -> None:
    if engine == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        if fresh and path.exists():
            path.unlink()
        return
    name = url.rsplit("/", 1)[1]
    if fresh:
        _pg(pg_url, f'DROP DATABASE IF EXISTS "{name}"')
    try:
        _pg(pg_url, f'CREATE DATABASE "{name}"')
    except Exception as exc:  # it exists already: that is the cache
        if "already exists" not in str(exc):
            raise


def run_suite(
    engine: str, dataset: str, mode: str, pg_url: str, cache: Path, fresh: bool, rows: str = ""
) -> list[dict]:
    url = database_url(engine, dataset, mode, pg_url, cache)
    ensure_database(engine, url, pg_url, fresh=fresh)
    for attempt in (1, 2):
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out = Path(handle.name)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "BENCH_CACHE_DIR": str(cache),
        }
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.suite",
                "--dataset",
                dataset,
                "--mode",
                mode,
                "--engine",
                engine,
                "--out",
                str(out),
                *(["--rows", rows] if rows else []),
            ],
            cwd=ROOT,
            env=env,
        )
        if completed.returncode == STALE and attempt == 1:
            ensure_database(engine, url, pg_url, fresh=True)
            continue
        if completed.returncode != 0:
            raise SystemExit(f"the {dataset} benchmarks failed on {engine}")
        rows = json.loads(out.read_text())
        out.unlink()
        return rows
    raise SystemExit("unreachable")


def machine(engines) -> dict:
    info = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    if "postgres" in engines:
        try:
            import psycopg

            with psycopg.connect(DEFAULT_PG.replace("postgres://", "postgresql://")) as connection:
                info["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
        except Exception as exc:  # a bench without PostgreSQL still prints SQLite's rows
            info["postgresql"] = f"unavailable ({exc.__class__.__name__})"
    return info


def table(rows: list[dict]) -> str:
    header = ["#", "engine", "measured", "figure", "baseline", "baseline figure", "ratio", "note"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in sorted(rows, key=lambda r: (r["row"], r["what"], r["engine"])):
        baseline_figure = "" if r["baseline_figure"] is None else f"{r['baseline_figure']} {r['unit']}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']}×"
        lines.append(
            "| "
            + " | ".join(
                [
                    str(r["row"]),
                    r["engine"],
                    r["what"],
                    f"{r['figure']} {r['unit']}",
                    r["baseline"],
                    baseline_figure,
                    ratio,
                    r["note"],
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="generate the data sets anew")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--results", default=str(RESULTS))
    parser.add_argument(
        "--rows",
        default="",
        help="only these row numbers, e.g. 5 (the results are "
        "written as latest-<mode>-rows-5.json, beside the full run's)",
    )
    parser.add_argument("--cache", default=os.environ.get("BENCH_CACHE_DIR", str(ROOT / "bench" / ".cache")))
    args = parser.parse_args()
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    rows = []
    for engine in engines:
        for dataset in ("cases", "people", "names"):
            if args.rows and not set(args.rows.split(",")) & DATASET_ROWS[dataset]:
                continue  # this data set measures none of the rows asked for
            print(f"== {engine}: {dataset} ({mode})", file=sys.stderr, flush=True)
            rows.extend(run_suite(engine, dataset, mode, args.pg_url, cache, args.fresh, args.rows))
    about = machine(engines)
    text = table(rows)
    print(
        f"\nLotsa benchmarks ({mode}), {about['when']}; {about['machine']}; Python {about['python']}, "
        f"SQLite {about['sqlite']}" + (f", PostgreSQL {about['postgresql']}" if "postgresql" in about else "")
    )
    print(text)
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    document = {"mode": mode, "about": about, "rows": rows}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    if args.rows:
        mode = f"{mode}-rows-{args.rows.replace(',', '-')}"
    (results / f"{stamp}-{mode}.json").write_text(json.dumps(document, ensure_ascii=False, indent=1))
    (results / f"latest-{mode}.json").write_text(json.dumps(document, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
