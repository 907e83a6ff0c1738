-- deploy/roles.sql: the PostgreSQL roles and the database of a production
-- server, with least privilege. Run as a superuser with psql, before the
-- first `reifegrad-admin migrate` and again after every upgrade's migrate
-- (it is repeatable, and grants the read-only role the tables that exist):
--
--   sudo -u postgres psql -X -v ON_ERROR_STOP=1 -f deploy/roles.sql
--   sudo -u postgres psql -X -v ON_ERROR_STOP=1 -v db=other -f deploy/roles.sql
--
-- It sets no passwords: with peer authentication over the local socket
-- (pg_ident.conf maps the service users to these roles) none are needed;
-- for connections over TCP set one with \password ROLE. deploy/README.md
-- ("Database roles") explains both.
--
--   reifegrad_owner     owns the database and every object in it; runs the
--                       migrations and the admin tool (housekeeping,
--                       backups). Not a superuser.
--   reifegrad_app       the FastCGI workers: owns nothing, no BYPASSRLS,
--                       member of no role; what it may do is granted by the
--                       migrations, table by table and column by column.
--   reifegrad_readonly  reports, standbys, researchers' own analyses:
--                       SELECT on the survey's tables only (never accounts,
--                       sessions, invitations, sign-in counters or the
--                       audit log), read-only transactions, no BYPASSRLS.

\set ON_ERROR_STOP on
\if :{?db}
\else
\set db reifegrad
\endif

-- ------------------------------------------------------------------ roles

SELECT 'CREATE ROLE reifegrad_owner LOGIN'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reifegrad_owner')
\gexec
SELECT 'CREATE ROLE reifegrad_app LOGIN'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reifegrad_app')
\gexec
SELECT 'CREATE ROLE reifegrad_readonly LOGIN'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reifegrad_readonly')
\gexec

-- The attributes are set every time, so that a role made by hand earlier
-- ends up the same.
ALTER ROLE reifegrad_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
	NOREPLICATION NOBYPASSRLS;
ALTER ROLE reifegrad_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
	NOREPLICATION NOBYPASSRLS NOINHERIT;
ALTER ROLE reifegrad_readonly LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
	NOREPLICATION NOBYPASSRLS NOINHERIT;

-- Neither the application nor the read-only role may act as another role
-- (the owner's rights would bypass every grant).
DO $$
DECLARE
	m record;
BEGIN
	FOR m IN SELECT r.rolname AS role, g.rolname AS member_of
		FROM pg_auth_members a
		JOIN pg_roles r ON r.oid = a.member
		JOIN pg_roles g ON g.oid = a.roleid
		WHERE r.rolname IN ('reifegrad_app', 'reifegrad_readonly')
	LOOP
		EXECUTE format('REVOKE %I FROM %I', m.member_of, m.role);
		RAISE NOTICE 'revoked membership of % in %', m.role, m.member_of;
	END LOOP;
END $$;

-- The read-only role only reads, also on a primary.
ALTER ROLE reifegrad_readonly SET default_transaction_read_only = on;

-- --------------------------------------------------------------- database

-- C.UTF-8 as in the local stack (deploy/stack), so that sorting and
-- comparisons behave the same in development and production.
SELECT format('CREATE DATABASE %I OWNER reifegrad_owner ENCODING ''UTF8'''
	' LOCALE ''C.UTF-8'' TEMPLATE template0', :'db')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')
\gexec

-- Only the three roles connect; nobody makes temporary tables but the
-- owner (whose rights on its database include it).
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO reifegrad_app, reifegrad_readonly;

\connect :"db"

-- Row-level security decides by rg.role (sql/migrations/002_accounts.sql);
-- the read-only role reads as the network's coordinator would. For this
-- role the grants below are the boundary: it could set rg.role itself.
ALTER ROLE reifegrad_readonly IN DATABASE :"db" SET rg.role = 'coordinator';

-- ---------------------------------------------------- read-only grants

-- The tables of the survey that the read-only role may read, where they
-- exist yet (before the first migrate, none do). New tables of later
-- migrations stay closed until they are named here.
GRANT USAGE ON SCHEMA public TO reifegrad_readonly;
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['setting', 'schema_migration', 'organisation',
		'questionnaire', 'wave', 'peer_snapshot', 'snapshot_rank']
	LOOP
		IF to_regclass('public.' || t) IS NOT NULL THEN
			EXECUTE format('GRANT SELECT ON public.%I TO reifegrad_readonly', t);
		END IF;
	END LOOP;
	-- Responses without who last saved them.
	IF to_regclass('public.response') IS NOT NULL THEN
		GRANT SELECT (id, wave_id, organisation_id, state, revision,
			answers, answered, updated_at, submitted_at,
			submitted_revision, scores, overall)
		ON public.response TO reifegrad_readonly;
	END IF;
END $$;

-- What the application and read-only roles own must be nothing.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
		WHERE r.rolname IN ('reifegrad_app', 'reifegrad_readonly')) THEN
		RAISE EXCEPTION 'reifegrad_app or reifegrad_readonly owns a relation; '
			'reassign it to reifegrad_owner';
	END IF;
END $$;
