"""On PostgreSQL, refuse any UPDATE or DELETE of a signed journal entry in the database itself."""

from django.db import migrations

from lotsa.db.postgres import run_on_postgres

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


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP))]
