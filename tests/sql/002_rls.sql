-- 002_rls.sql: roles and row-level security of 002_accounts, checked as
-- the application role (reifegrad_app), never as the owner. Fixtures are
-- made by the superuser; everything is rolled back at the end.

-- The identity of a request is set with set_config(..., true): it must end
-- with the transaction. This statement is a transaction of its own; the
-- checks below find nothing of it.
DO $$ BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	PERFORM set_config('rg.user_id', '1', true);
	PERFORM set_config('rg.org_id', '1', true);
END $$;

BEGIN;
SELECT plan(67);

SELECT is(rg_role(), '', 'rg.role set locally ended with its transaction');
SELECT is(rg_user(), NULL::bigint, 'rg.user_id ended with its transaction');
SELECT is(rg_org(), NULL::bigint, 'rg.org_id ended with its transaction');

-- ---------------------------------------------------------------- roles

SELECT is((SELECT count(*)::int FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
	WHERE r.rolname = 'reifegrad_app'), 0, 'the application role owns no table');
SELECT is((SELECT rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb
	FROM pg_roles WHERE rolname = 'reifegrad_app'), false,
	'the application role is no superuser and has no BYPASSRLS');
SELECT is((SELECT count(*)::int FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
	WHERE r.rolname = 'reifegrad_app'), 0, 'the application role is member of no role');

SELECT is_empty($$
	SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'public' AND c.relname IN ('organisation', 'app_user', 'invitation',
		'session', 'login_failure', 'audit_log')
	  AND NOT (c.relrowsecurity AND c.relforcerowsecurity) $$,
	'RLS is enabled and forced on every table of 002');
SELECT is((SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'public' AND c.relname IN ('organisation', 'app_user', 'invitation',
		'session', 'login_failure', 'audit_log')), 6, 'all six tables exist');
-- Later migrations too: every table that holds an organisation's data.
SELECT is_empty($$
	SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
	  AND (c.relname = 'organisation' OR EXISTS (SELECT 1 FROM pg_attribute a
		WHERE a.attrelid = c.oid AND a.attname IN ('organisation_id', 'user_id')
		  AND NOT a.attisdropped))
	  AND NOT (c.relrowsecurity AND c.relforcerowsecurity) $$,
	'RLS is enabled and forced on every table with an organisation_id or user_id');

-- ---------------------------------------------------------------- fixtures

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000000001', 'RLS-Gemeinde A', 'gemeinde', 'Testland', 1000, true)
	RETURNING id AS org_a \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000000002', 'RLS-Gemeinde B', 'gemeinde', 'Testland', 2000, false)
	RETURNING id AS org_b \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('rls-resp-a@example.test', 'A', 'respondent', :org_a, '$argon2id$a')
	RETURNING id AS user_a \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('rls-resp-a2@example.test', 'A2', 'respondent', :org_a, '$argon2id$a2')
	RETURNING id AS user_a2 \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('rls-resp-b@example.test', 'B', 'respondent', :org_b, '$argon2id$b')
	RETURNING id AS user_b \gset
INSERT INTO app_user (email, name, role, password_hash)
	VALUES ('rls-coord@example.test', 'C', 'coordinator', '$argon2id$c')
	RETURNING id AS user_c \gset
INSERT INTO app_user (email, name, role, password_hash)
	VALUES ('rls-coord2@example.test', 'C2', 'coordinator', '$argon2id$c2')
	RETURNING id AS user_c2 \gset
INSERT INTO app_user (email, name, role, password_hash)
	VALUES ('rls-research@example.test', 'R', 'researcher', '$argon2id$r')
	RETURNING id AS user_r \gset
INSERT INTO app_user (email, name, role, password_hash)
	VALUES ('rls-admin@example.test', 'X', 'admin', '$argon2id$x')
	RETURNING id AS user_x \gset
INSERT INTO invitation (token_hash, email, role, organisation_id, invited_by, expires_at)
	VALUES (decode(repeat('01', 32), 'hex'), 'rls-inv-a@example.test', 'respondent', :org_a, :user_c,
		now() + interval '1 day');
INSERT INTO invitation (token_hash, email, role, invited_by, expires_at)
	VALUES (decode(repeat('02', 32), 'hex'), 'rls-inv-r@example.test', 'researcher', :user_x,
		now() + interval '1 day');
INSERT INTO session (token_hash, user_id, expires_at)
	VALUES (decode(repeat('0a', 32), 'hex'), :user_a, now() + interval '1 hour');
INSERT INTO session (token_hash, user_id, expires_at, last_seen_at)
	VALUES (decode(repeat('0b', 32), 'hex'), :user_b, now() + interval '1 hour', now() - interval '2 hours');
INSERT INTO login_failure VALUES ('e:rls@example.test', now(), 1);
INSERT INTO audit_log (actor_id, action) VALUES (:user_a, 'rls_test');
SELECT count(*) AS orgs_total FROM organisation \gset
SELECT count(*) AS users_total FROM app_user \gset
SELECT count(*) AS respondents_total FROM app_user WHERE role = 'respondent' \gset
SELECT count(*) AS invitations_total FROM invitation \gset
SELECT count(*) AS resp_invitations_total FROM invitation WHERE role = 'respondent' \gset

-- ---------------------------------------------------------------- no identity

SELECT set_config('rg.role', '', true) \gset ignored_
SET LOCAL ROLE reifegrad_app;

SELECT is(current_user::text, 'reifegrad_app', 'the checks run as the application role');
SELECT is((SELECT count(*)::int FROM organisation), 0, 'no identity: no organisation');
SELECT is((SELECT count(*)::int FROM app_user), 0, 'no identity: no account');
SELECT is((SELECT count(*)::int FROM invitation), 0, 'no identity: no invitation');
SELECT throws_ok('SELECT count(*) FROM session', '42501', NULL,
	'the application role cannot read sessions');
SELECT throws_ok('SELECT count(*) FROM login_failure', '42501', NULL,
	'the application role cannot read sign-in failures');
SELECT throws_ok('SELECT count(*) FROM audit_log', '42501', NULL,
	'the application role cannot read the audit log');
SELECT throws_ok('DELETE FROM session', '42501', NULL, 'nor delete sessions');
SELECT throws_ok('UPDATE login_failure SET failures = 0', '42501', NULL, 'nor reset sign-in failures');
SELECT lives_ok($$INSERT INTO audit_log (action) VALUES ('rls_anonymous')$$,
	'but it may add to the audit log');

SELECT set_config('rg.role', 'superuser', true) \gset ignored_
SELECT is((SELECT count(*)::int FROM organisation), 0, 'an unknown role sees no organisation');
SELECT is((SELECT count(*)::int FROM app_user), 0, 'an unknown role sees no account');

-- ---------------------------------------------------------------- respondent

SELECT set_config('rg.role', 'respondent', true) \gset ignored_
SELECT set_config('rg.org_id', :'org_a', true) \gset ignored_
SELECT set_config('rg.user_id', :'user_a', true) \gset ignored_

SELECT results_eq('SELECT id FROM organisation', ARRAY[:org_a::bigint],
	'a respondent sees its own organisation only');
SELECT results_eq('SELECT id FROM app_user', ARRAY[:user_a::bigint],
	'a respondent sees its own account only, not a colleague''s');
SELECT is((SELECT count(*)::int FROM invitation), 0, 'a respondent sees no invitation');
SELECT throws_ok('SELECT password_hash FROM app_user', '42501', NULL,
	'a respondent cannot read a password hash, not even its own');
SELECT lives_ok('SELECT id, email, name, role, organisation_id, created_at FROM app_user',
	'the other columns of app_user stay readable');
SELECT is((SELECT count(*)::int FROM organisation WHERE id = :org_b), 0,
	'another organisation is invisible by id');
WITH u AS (UPDATE organisation SET name = 'Gekapert' WHERE id = :org_a RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'a respondent cannot rename its organisation');
SELECT throws_ok($$INSERT INTO organisation (key, name, kind) VALUES ('980000000009', 'X', 'gemeinde')$$,
	'42501', NULL, 'a respondent cannot add an organisation');
SELECT throws_ok($$INSERT INTO invitation (token_hash, email, role, organisation_id, invited_by, expires_at)
	VALUES (decode(repeat('03', 32), 'hex'), 'x@example.test', 'respondent', $$ || :org_a || $$, $$
	|| :user_a || $$, now())$$, '42501', NULL, 'a respondent cannot invite');
SELECT throws_ok($$UPDATE app_user SET role = 'admin' WHERE id = $$ || :user_a,
	'42501', NULL, 'no one changes an account directly');
SELECT throws_ok($$INSERT INTO app_user (email, role, password_hash) VALUES ('y@example.test', 'admin', 'h')$$,
	'42501', NULL, 'no one adds an account directly');
SELECT throws_ok($$DELETE FROM organisation WHERE id = $$ || :org_a,
	'42501', NULL, 'no one deletes an organisation');

-- ---------------------------------------------------------------- coordinator

SELECT set_config('rg.role', 'coordinator', true) \gset ignored_
SELECT set_config('rg.org_id', '', true) \gset ignored_
SELECT set_config('rg.user_id', :'user_c', true) \gset ignored_

SELECT is((SELECT count(*)::int FROM organisation), :orgs_total, 'a coordinator sees every organisation');
SELECT is((SELECT count(*)::int FROM app_user), :respondents_total + 1,
	'a coordinator sees the respondents and itself');
SELECT is((SELECT count(*)::int FROM app_user WHERE id IN (:user_c2, :user_r, :user_x)), 0,
	'but no other staff');
SELECT throws_ok('SELECT password_hash FROM app_user WHERE role = ''respondent''', '42501', NULL,
	'a coordinator cannot read the respondents'' password hashes');
SELECT is((SELECT count(*)::int FROM invitation), :resp_invitations_total,
	'a coordinator sees the invitations of respondents');
SELECT lives_ok($$INSERT INTO invitation (token_hash, email, role, organisation_id, invited_by, expires_at)
	VALUES (decode(repeat('04', 32), 'hex'), 'rls-new@example.test', 'respondent', $$ || :org_a
	|| $$, rg_user(), now() + interval '1 day')$$, 'a coordinator invites a respondent');
SELECT throws_ok($$INSERT INTO invitation (token_hash, email, role, invited_by, expires_at)
	VALUES (decode(repeat('05', 32), 'hex'), 'rls-c@example.test', 'coordinator', rg_user(),
	now() + interval '1 day')$$, '42501', NULL, 'a coordinator cannot invite a coordinator');
SELECT throws_ok($$INSERT INTO invitation (token_hash, email, role, organisation_id, invited_by, expires_at)
	VALUES (decode(repeat('06', 32), 'hex'), 'rls-d@example.test', 'respondent', $$ || :org_a
	|| $$, $$ || :user_c2 || $$, now() + interval '1 day')$$, '42501', NULL,
	'nor invite in another coordinator''s name');
SELECT throws_ok($$INSERT INTO organisation (key, name, kind) VALUES ('980000000009', 'X', 'gemeinde')$$,
	'42501', NULL, 'a coordinator cannot add an organisation');
WITH u AS (UPDATE organisation SET member = false WHERE id = :org_a RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'nor change one');
SELECT throws_ok($$UPDATE invitation SET expires_at = now() + interval '1 year'$$, '42501', NULL,
	'nor extend an invitation');

-- ---------------------------------------------------------------- researcher

SELECT set_config('rg.role', 'researcher', true) \gset ignored_
SELECT set_config('rg.user_id', :'user_r', true) \gset ignored_

SELECT is((SELECT count(*)::int FROM organisation), 0, 'a researcher sees no organisation');
SELECT results_eq('SELECT id FROM app_user', ARRAY[:user_r::bigint], 'a researcher sees only itself');
SELECT is((SELECT count(*)::int FROM invitation), 0, 'a researcher sees no invitation');

-- ---------------------------------------------------------------- admin

SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT set_config('rg.user_id', :'user_x', true) \gset ignored_

SELECT is((SELECT count(*)::int FROM organisation), :orgs_total, 'an admin sees every organisation');
SELECT is((SELECT count(*)::int FROM app_user), :users_total, 'an admin sees every account');
SELECT lives_ok($$INSERT INTO organisation (key, name, kind) VALUES ('980000000009', 'Neu', 'gemeinde')$$,
	'an admin adds an organisation');
WITH u AS (UPDATE organisation SET member = true WHERE id = :org_b RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 1, 'an admin changes one');
SELECT throws_ok('SELECT password_hash FROM app_user', '42501', NULL,
	'not even an admin request reads password hashes');
SELECT throws_ok('SELECT count(*) FROM session', '42501', NULL,
	'nor sessions: that takes the owner''s functions');

-- ---------------------------------------------------------------- functions

SELECT set_config('rg.role', '', true) \gset ignored_
SELECT set_config('rg.user_id', '', true) \gset ignored_

SELECT is((SELECT count(*)::int FROM rg_session_begin(decode(repeat('ff', 32), 'hex')) WHERE user_id IS NOT NULL), 0,
	'an unknown session token gives no identity');
SELECT is(rg_role(), '', '... and leaves the role empty');
SELECT is((SELECT count(*)::int FROM rg_session_begin(decode(repeat('0b', 32), 'hex')) WHERE user_id IS NOT NULL), 0,
	'an idle session gives no identity');
SELECT is(rg_role(), '', '... and leaves the role empty');
SELECT is((SELECT count(*)::int FROM rg_login_lookup('rls-resp-a@example.test')), 1,
	'sign-in finds an account by address');
SELECT is(rg_role(), '', '... and puts the empty role back');
SELECT is(rg_login_blocked('rls@example.test'), 0, 'one failure blocks nobody');
SELECT is(rg_role(), '', '... and the role stays empty');
SELECT is(rg_login_failed('rls2@example.test', '192.0.2.1'), 0, 'a failure is counted');
SELECT is(rg_role(), '', '... and the role stays empty');
SELECT is((SELECT count(*)::int FROM rg_invitation_accept(decode(repeat('ee', 32), 'hex'), 'x', 'h',
	decode(repeat('ef', 32), 'hex'))), 0, 'an unknown invitation accepts nothing');
SELECT is(rg_role(), '', '... and the role stays empty');
SELECT results_eq($$SELECT user_id, role, organisation_id FROM rg_session_begin(decode(repeat('0a', 32), 'hex'))$$,
	$$VALUES ($$ || :user_a || $$::bigint, 'respondent'::text, $$ || :org_a || $$::bigint)$$,
	'a valid session gives its account');
SELECT ok(rg_role() = 'respondent' AND rg_org() = :org_a AND rg_user() = :user_a,
	'... and sets the identity for row-level security');

SELECT * FROM finish();
ROLLBACK;
