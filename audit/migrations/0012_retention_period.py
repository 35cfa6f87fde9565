# The access log's retention period where the database's door can read it (review M1).

from django.db import migrations

from lotsa.db.postgres import run_on_postgres

# PostgreSQL only (SQLite has no door): ``audit_retention`` holds one row, the period in years, never
# below five (a CHECK); it belongs to the owner, is written by ``migrate`` from
# LOTSA_AUDIT_RETENTION_YEARS (audit.retention.store_period, after every migrate) and only read by the
# application's and the sealer's roles (deploy/postgres-roles.sql). The pruning record's trigger refuses
# a record reaching an event younger than that period, by the database's own clock: before, it knew
# only the law's five years, whatever the setting said.
CREATE = """
CREATE TABLE audit_retention (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    years integer NOT NULL CHECK (years >= 5)
);
INSERT INTO audit_retention (years) VALUES (5);

CREATE OR REPLACE FUNCTION audit_pruning_checked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    before audit_pruning%ROWTYPE;
    sealed audit_seal%ROWTYPE;
    head bigint;
    newest timestamptz;
    kept integer;
BEGIN
    NEW.txn := pg_current_xact_id()::text::bigint;
    SELECT * INTO before FROM audit_pruning ORDER BY n DESC LIMIT 1;
    IF FOUND THEN
        IF NEW.n <> before.n + 1 OR NEW.prev_hash <> before.hash OR NEW.through_seal <= before.through_seal
           OR NEW.events <> NEW.total - before.total THEN
            RAISE EXCEPTION 'a pruning record continues the one before it' USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NEW.n <> 1 OR NEW.prev_hash <> repeat('0', 64) OR NEW.events <> NEW.total THEN
        RAISE EXCEPTION 'the first pruning record is number 1 and names no record before it'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO sealed FROM audit_seal WHERE seq = NEW.through_seal;
    IF NOT FOUND OR sealed.hash <> NEW.seal_hash OR sealed.last_txn <> NEW.last_txn
       OR sealed.last_event_id <> NEW.last_event_id OR sealed.total <> NEW.total THEN
        RAISE EXCEPTION 'a pruning record names a seal of the log as it stands'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT max(seq) INTO head FROM audit_seal;
    IF NEW.through_seal >= head THEN
        RAISE EXCEPTION 'the newest seal of the log is never pruned' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT greatest(coalesce(max(years), 5), 5) INTO kept FROM audit_retention;
    SELECT max(occurred_at) INTO newest FROM audit_accessevent
        WHERE (txn, id) <= (NEW.last_txn, NEW.last_event_id);
    IF newest >= clock_timestamp() - make_interval(years => kept) THEN
        RAISE EXCEPTION 'the access log is kept % years (five years at least): nothing younger is pruned', kept
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
"""

# Back to 0011's trigger (the law's five years), then the table goes.
DROP = """
CREATE OR REPLACE FUNCTION audit_pruning_checked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    before audit_pruning%ROWTYPE;
    sealed audit_seal%ROWTYPE;
    head bigint;
    newest timestamptz;
BEGIN
    NEW.txn := pg_current_xact_id()::text::bigint;
    SELECT * INTO before FROM audit_pruning ORDER BY n DESC LIMIT 1;
    IF FOUND THEN
        IF NEW.n <> before.n + 1 OR NEW.prev_hash <> before.hash OR NEW.through_seal <= before.through_seal
           OR NEW.events <> NEW.total - before.total THEN
            RAISE EXCEPTION 'a pruning record continues the one before it' USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NEW.n <> 1 OR NEW.prev_hash <> repeat('0', 64) OR NEW.events <> NEW.total THEN
        RAISE EXCEPTION 'the first pruning record is number 1 and names no record before it'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO sealed FROM audit_seal WHERE seq = NEW.through_seal;
    IF NOT FOUND OR sealed.hash <> NEW.seal_hash OR sealed.last_txn <> NEW.last_txn
       OR sealed.last_event_id <> NEW.last_event_id OR sealed.total <> NEW.total THEN
        RAISE EXCEPTION 'a pruning record names a seal of the log as it stands'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT max(seq) INTO head FROM audit_seal;
    IF NEW.through_seal >= head THEN
        RAISE EXCEPTION 'the newest seal of the log is never pruned' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT max(occurred_at) INTO newest FROM audit_accessevent
        WHERE (txn, id) <= (NEW.last_txn, NEW.last_event_id);
    IF newest >= clock_timestamp() - interval '5 years' THEN
        RAISE EXCEPTION 'the access log is kept five years at least: nothing younger is pruned'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
DROP TABLE IF EXISTS audit_retention;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0011_pruning")]

    operations = [migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP))]
