"""A tiny run of the whole benchmark suite, so the benchmarks cannot rot. Figures are not judged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_benchmark_suite_runs_end_to_end(tmp_path):
    engine = "postgres" if connection.vendor == "postgresql" else "sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOTSA_", "DJANGO_", "SECRET_KEY"))}
    settings = connection.settings_dict
    env["BENCH_PG_URL"] = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/postgres"
        if engine == "postgres"
        else "postgres://postgres@127.0.0.1:5432/postgres"
    )
    # Databases of this suite's own (its test database's name), dropped and made anew by --fresh: two
    # suites on one PostgreSQL server never drop each other's.
    if engine == "postgres":
        env["BENCH_DB_PREFIX"] = f"{settings['NAME']}_bench"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--smoke",
            "--fresh",
            "--engines",
            engine,
            "--cache",
            str(tmp_path / "cache"),
            "--results",
            str(tmp_path / "results"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    document = json.loads((tmp_path / "results" / "latest-smoke.json").read_text())
    rows = document["rows"]
    expected = {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13}
    if engine == "sqlite":
        expected -= {7}
    assert {r["row"] for r in rows} == expected
    assert all(r["engine"] == engine for r in rows)
    assert "| 6 |" in completed.stdout  # the table was printed
    verify = next(r for r in rows if r["what"].startswith("audit_verify"))
    assert verify["note"].startswith("intact")
    rotation = next(r for r in rows if r["row"] == 6)
    assert rotation["note"].startswith("0 keys left")
    if engine == "postgres":
        assert {r["what"] for r in rows if r["row"] == 5} >= {
            "audit append, 1 concurrent writer, sealer alongside",
            "audit append, 2 concurrent writers, sealer alongside",
            "audit append, 8 concurrent writers, sealer alongside",
        }
        load = next(r for r in rows if r["row"] == 7 and r["what"].startswith("load"))
        assert load["requests"] > 0 and load["errors"] == 0, load["note"]
        assert load["answered"] > 0 and load["requests_with_events"] == load["answered"], load["note"]
        knee = next(r for r in rows if r["row"] == 7 and r["what"].startswith("the knee"))
        steps = knee["knee_steps"]  # the load row's own run first
        assert steps and steps[0]["requests"] == load["requests"], knee["note"]
        assert all(step["errors"] == 0 for step in steps), knee["note"]
        assert all(step["with_events"] == step["answered"] for step in steps), knee["note"]
