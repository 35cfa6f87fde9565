"""Fixtures shared by every test."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from lotsa import crypto

# The scenario fixtures (``world``) reach every test: those in tests/ and those beside each app.
pytest_plugins = ["tests.fixtures", "tests.identity_provider", "tests.saml_identity_provider"]

# Between transactional tests Django empties every table with TRUNCATE, which the append-only
# trigger on the access log refuses. The test database's owner (a superuser) may switch triggers
# off for that one statement; the application never can.
_original_sql_flush = PostgresOperations.sql_flush


def _sql_flush_past_triggers(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    statements = _original_sql_flush(
        self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
    )
    if not statements:
        return statements
    return ["SET session_replication_role = replica", *statements, "SET session_replication_role = origin"]


PostgresOperations.sql_flush = _sql_flush_past_triggers


@pytest.fixture(autouse=True)
def _interface_language():
    """Every test starts in the interface's language (Swedish), as every request does: a page asked for
    in English activates it for the thread, which a later test's service messages would otherwise read."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    """Every test starts with no unwrapped data keys cached, as every request does."""
    with crypto.key_cache():
        yield


@pytest.fixture(autouse=True)
def _migrations_left_at_the_latest(request, django_db_blocker):
    """A test that migrates back and forth must leave every app at its latest migration: otherwise some
    later test, in another file, fails on a table that is not there. Checked after each test of a module
    that drives the migration executor, so the test that forgot fails, not the one after it."""
    yield
    if "MigrationExecutor" not in vars(request.module) or "django_db" not in request.keywords:
        return
    with django_db_blocker.unblock():
        executor = MigrationExecutor(connection)
        behind = executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert not behind, f"the test left migrations unapplied: {[str(m) for m, _ in behind][:5]}"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright drives Debian's Chromium; it downloads no browser of its own."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }
