-- 001_foundation: settings, and the ground rules for every later migration.
--
-- Migrations run as the owner role (reifegrad_owner); the program connects
-- as reifegrad_app, which owns nothing and gets only the grants below.
-- Nothing is granted to PUBLIC.

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO reifegrad_app;

-- Settings that operators may change (k of k-anonymity, lifetimes, ...).
-- The defaults are documented in deploy/README.md.
CREATE TABLE setting (
	key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
	value text NOT NULL,
	description text NOT NULL DEFAULT ''
);

INSERT INTO setting (key, value, description) VALUES
	('k_anonymity', '5', 'smallest group shown in benchmarks and kept in exports'),
	('session_idle_minutes', '60', 'a session ends after this long without a request'),
	('session_absolute_hours', '12', 'a session ends this long after sign-in'),
	('invitation_days', '14', 'an invitation can be accepted this long');

GRANT SELECT ON setting TO reifegrad_app;
