-- Lotsa on PostgreSQL: two roles (README, "Running on PostgreSQL").
--
-- The owner role (here :"owner") runs `manage.py migrate` and owns every table and the access log's
-- trigger function. The application's role (:"app") runs the web servers and the sealer: it may not
-- create anything in the schema, and on the access log's tables it may only read and insert, so it
-- can neither change nor remove an event (but through audit_prune), nor switch off or drop the
-- append-only triggers.
--
-- Run as the owner (or a superuser) after every `migrate`:
--   psql -v owner=lotsa_owner -v app=lotsa_app -d lotsa -f deploy/postgres-roles.sql

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
REVOKE ALL ON audit_accessevent, audit_accesseventsubject, audit_seal, audit_pruning FROM :"app";
GRANT SELECT, INSERT ON audit_accessevent, audit_accesseventsubject, audit_seal TO :"app";
-- Its retention: the pruning records are read, and written only through the one door, audit_prune
-- (SECURITY DEFINER), which removes the oldest seals older than five years under a record, or nothing
-- (docs/security.md, "The log's own retention").
GRANT SELECT ON audit_pruning TO :"app";
GRANT EXECUTE ON FUNCTION audit_prune TO :"app";
