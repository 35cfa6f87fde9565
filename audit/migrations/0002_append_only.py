"""On PostgreSQL, refuse UPDATE, DELETE and TRUNCATE of access events in the database itself.

The trigger binds every role, the application's included. A superuser can still switch triggers off
(session_replication_role): run the application as an ordinary role, and let the hash chain and
the anchors detect what a superuser might do.
"""

from django.db import migrations

from lotsa.db.postgres import run_on_postgres

CREATE = """
CREATE OR REPLACE FUNCTION audit_accessevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_accessevent_no_change
    BEFORE UPDATE OR DELETE ON audit_accessevent
    FOR EACH ROW EXECUTE FUNCTION audit_accessevent_append_only();
CREATE TRIGGER audit_accessevent_no_truncate
    BEFORE TRUNCATE ON audit_accessevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accessevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_accessevent_no_truncate ON audit_accessevent;
DROP TRIGGER IF EXISTS audit_accessevent_no_change ON audit_accessevent;
DROP FUNCTION IF EXISTS audit_accessevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP))]
