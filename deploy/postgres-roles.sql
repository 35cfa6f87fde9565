-- Lotsa on PostgreSQL: three roles (docs/operations.md, "Running on PostgreSQL").
--
-- The owner role (here :"owner") runs `manage.py migrate` and owns every table and the access log's
-- trigger function. The application's role (:"app") runs the web servers and the scheduled work
-- (qcluster): it may not create anything in the schema, and on the access log's tables it may only
-- read and insert, so it can neither change nor remove an event, nor switch off or drop the
-- append-only triggers. The sealer's role (:"sealer") runs `audit_sealer` and `audit_prune`: what the
-- application's role may (it is a member of it), and besides that only the pruning door, audit_prune.
--
-- Create the roles first (CREATE ROLE lotsa_app LOGIN; CREATE ROLE lotsa_sealer LOGIN), then run this
-- as the owner (or a superuser) after every `migrate`:
--   psql -v owner=lotsa_owner -v app=lotsa_app -v sealer=lotsa_sealer -d lotsa -f deploy/postgres-roles.sql

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM :"app";
GRANT USAGE ON SCHEMA public TO :"app";

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";

-- The access log: read and append, nothing else.
REVOKE ALL ON audit_accessevent, audit_accesseventsubject, audit_seal, audit_pruning, audit_retention
    FROM :"app";
GRANT SELECT, INSERT ON audit_accessevent, audit_accesseventsubject, audit_seal TO :"app";
-- Its retention: the pruning records and the period (audit_retention, written by migrate) are read;
-- records are written only through the one door, audit_prune (SECURITY DEFINER), which removes the
-- oldest seals older than the period under a record, or nothing (docs/security.md, "The log's own
-- retention"). The door is the sealer's alone: the web servers' role cannot call it.
GRANT SELECT ON audit_pruning, audit_retention TO :"app";
REVOKE EXECUTE ON FUNCTION audit_prune FROM :"app";
GRANT :"app" TO :"sealer";
GRANT EXECUTE ON FUNCTION audit_prune TO :"sealer";
