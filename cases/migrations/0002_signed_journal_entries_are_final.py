"""On PostgreSQL, refuse any UPDATE or DELETE of a signed journal entry in the database itself."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION cases_journalentry_signed_is_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'signed journal entries are final: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER cases_journalentry_signed_is_final
    BEFORE UPDATE OR DELETE ON cases_journalentry
    FOR EACH ROW WHEN (OLD.signed_at IS NOT NULL)
    EXECUTE FUNCTION cases_journalentry_signed_is_final();
"""

DROP = """
DROP TRIGGER IF EXISTS cases_journalentry_signed_is_final ON cases_journalentry;
DROP FUNCTION IF EXISTS cases_journalentry_signed_is_final();
"""


def _run(schema_editor, sql):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def create(apps, schema_editor):
    _run(schema_editor, CREATE)


def drop(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
