-- The application's own database role: it reads and writes every table and owns none, so the
-- guards the database keeps (the ledger and audit log append-only, docs/invariants.md) hold
-- against the application itself. Migrations run as the owner (the compose `migrate` service);
-- web and workers connect as this role.
--
-- docker-compose.yml mounts this into the postgres image's /docker-entrypoint-initdb.d/, which
-- runs it once, with psql, as POSTGRES_USER on POSTGRES_DB when the data volume is first made.
-- For a database made before, or one of your own, run it once as a superuser:
--   psql -v owner=exchange -v app=exchange_app -v app_password='…' -d exchange -f postgres-init.sql
-- tests/integration/test_database_roles.py runs this very file.

\if :{?owner}
\else
  \set owner :USER
\endif
\if :{?app}
\else
  \set app exchange_app
\endif
\if :{?app_password}
\else
  \set app_password exchange_app
\endif

\set ON_ERROR_STOP on
CREATE ROLE :"app" LOGIN PASSWORD :'app_password';
GRANT USAGE ON SCHEMA public TO :"app";
-- what the owner creates from now on (every table and sequence of every migration)
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
-- and what it already made (nothing on a fresh volume; everything on an older database)
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
