"""Helpers for migrations that add PostgreSQL-only safeguards (triggers)."""


def run_on_postgres(sql: str):
    """A RunPython callable that executes ``sql`` on PostgreSQL and does nothing elsewhere.

    The SQL is sent without parameters, so a '%' in PL/pgSQL (RAISE formats) is not a placeholder.
    """

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run
