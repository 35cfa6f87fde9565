"""The access log's checks: its retention period is the law's at least; and (``check --deploy``) the
application's database role cannot undo the log."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import DatabaseError, connection

LOG_TABLES = [
    "audit_accessevent",
    "audit_accesseventsubject",
    "audit_seal",
    "audit_pruning",
    "audit_retention",
]
TRIGGER_FUNCTION = "audit_accessevent_append_only"
# Every function behind the log's triggers: append-only, and rows bound to their own transaction.
TRIGGER_FUNCTIONS = [
    TRIGGER_FUNCTION,
    "audit_row_own_transaction",
    "audit_subject_with_its_event",
    "audit_pruning_checked",
    "audit_delete_pruned_only",
    "audit_prune",
]
# HSLF-FS 2016:40 (the model the log review follows): logs of access are kept five years at least.
MINIMUM_RETENTION_YEARS = 5


@register("lotsa")
def access_log_retention_is_the_laws_at_least(app_configs, **kwargs):
    years = settings.LOTSA_AUDIT_RETENTION_YEARS
    if years >= MINIMUM_RETENTION_YEARS:
        return []
    return [
        Error(
            f"LOTSA_AUDIT_RETENTION_YEARS is {years}: the access log is kept {MINIMUM_RETENTION_YEARS} years "
            "at least (HSLF-FS 2016:40)",
            hint=f"Set LOTSA_AUDIT_RETENTION_YEARS to {MINIMUM_RETENTION_YEARS} or more, or leave it unset.",
            id="audit.E002",
        )
    ]


def role_problems(cursor) -> list[str]:
    """What the connected role could do to the access log that it must not (PostgreSQL)."""
    problems = []
    cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
    user, superuser = cursor.fetchone()
    if superuser:
        problems.append(f"the database user {user} is a superuser: it can switch the log's triggers off")
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r' "
        "AND pg_has_role(current_user, relowner, 'USAGE') ORDER BY relname",
        [LOG_TABLES],
    )
    for (table,) in cursor.fetchall():
        problems.append(f"the database user {user} owns {table}: it can drop or disable its trigger")
    cursor.execute(
        "SELECT proname FROM pg_proc WHERE proname = ANY(%s) "
        "AND pg_has_role(current_user, proowner, 'USAGE') "
        "ORDER BY proname",
        [TRIGGER_FUNCTIONS],
    )
    for (function,) in cursor.fetchall():
        problems.append(f"the database user {user} owns the trigger function {function}")
    cursor.execute(
        "SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NOT NULL AND ("
        "has_table_privilege(current_user, t, 'UPDATE') OR has_table_privilege(current_user, t, 'DELETE') "
        "OR has_table_privilege(current_user, t, 'TRUNCATE')) ORDER BY t",
        [LOG_TABLES],
    )
    for (table,) in cursor.fetchall():
        problems.append(f"the database user {user} may UPDATE, DELETE or TRUNCATE {table}")
    # The pruning door is the sealer's (its own role): the web servers' role may not call it.
    cursor.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.proname = 'audit_prune' "
        "AND has_function_privilege(current_user, p.oid, 'EXECUTE')"
    )
    for (function,) in cursor.fetchall():
        problems.append(f"the database user {user} may EXECUTE {function}: only the sealer's role prunes")
    cursor.execute("SELECT has_schema_privilege(current_user, current_schema(), 'CREATE')")
    if cursor.fetchone()[0]:
        problems.append(f"the database user {user} may CREATE in the schema")
    # A member of the owner's role, even NOINHERIT (no USAGE above), can SET ROLE to it and then do
    # everything the owner can: disable the triggers, drop them, truncate the log.
    cursor.execute(
        "SELECT DISTINCT r.rolname FROM pg_roles r WHERE r.rolname <> current_user AND ("
        "r.oid IN (SELECT relowner FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r') "
        "OR r.oid IN (SELECT proowner FROM pg_proc WHERE proname = ANY(%s))) "
        "AND pg_has_role(current_user, r.oid, 'MEMBER') ORDER BY r.rolname",
        [LOG_TABLES, TRIGGER_FUNCTIONS],
    )
    for (owner,) in cursor.fetchall():
        problems.append(
            f"the database user {user} is a member of {owner}, which owns the log: "
            "it can SET ROLE to it (even NOINHERIT) and switch the log's triggers off"
        )
    cursor.execute("SELECT has_database_privilege(current_user, current_database(), 'CREATE')")
    if cursor.fetchone()[0]:
        problems.append(f"the database user {user} may CREATE in the database (schemas of its own)")
    return problems


@register("lotsa", deploy=True)
def production_database_is_postgresql(app_configs, databases=None, **kwargs):
    """SQLite is the demo's database: no roles, no triggers that bind anyone who can write the file."""
    if connection.vendor != "sqlite":
        return []
    return [
        Warning(
            "the database is SQLite: in production the access log needs PostgreSQL, whose roles and "
            "triggers keep the application from changing it",
            hint="Set DATABASE_URL to PostgreSQL and apply deploy/postgres-roles.sql (docs/operations.md).",
            id="audit.W001",
        )
    ]


@register("lotsa", deploy=True)
def access_log_role_is_locked_down(app_configs, **kwargs):
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            problems = role_problems(cursor)
    except DatabaseError as exc:
        return [Error(f"could not check the database role: {exc}", id="audit.E000")]
    return [
        Error(
            problem,
            hint="Run the application as the ordinary role of deploy/postgres-roles.sql "
            "(docs/operations.md).",
            id="audit.E001",
        )
        for problem in problems
    ]
