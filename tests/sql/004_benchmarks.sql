-- 004_benchmarks.sql: row-level security of the published ranks
-- (snapshot_rank), checked as the application role (reifegrad_app), never
-- as the owner. A member's ranks are its own: a respondent sees its own
-- organisation's rows only, no identity sees none, and only the system
-- (rg.role admin, which cgi/snapshot.c takes for the while it computes)
-- writes them. Fixtures are made by the superuser; everything is rolled
-- back at the end.

BEGIN;
SELECT plan(21);

-- ---------------------------------------------------------------- fixtures

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000000401', 'RLS-004-Gemeinde A', 'gemeinde', 'Testland-004', 1000, true)
	RETURNING id AS org_a \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000000402', 'RLS-004-Gemeinde B', 'gemeinde', 'Testland-004', 2000, true)
	RETURNING id AS org_b \gset
INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ('rls-004-test', 1, '{"de":"T","en":"T"}', '{}', decode(repeat('44', 32), 'hex'))
	RETURNING id AS qid \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:qid, 'RLS-004-Welle', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS wid \gset
INSERT INTO response (wave_id, organisation_id, state, scores, submitted_at, overall)
	VALUES (:wid, :org_a, 'submitted', '{"overall":40,"stage":"fortgeschritten","dimensions":{}}', now(), 40)
	RETURNING id AS resp_a \gset
INSERT INTO response (wave_id, organisation_id, state, scores, submitted_at, overall)
	VALUES (:wid, :org_b, 'submitted', '{"overall":60,"stage":"etabliert","dimensions":{}}', now(), 60)
	RETURNING id AS resp_b \gset
INSERT INTO snapshot_rank (response_id, organisation_id, ranks) VALUES
	(:resp_a, :org_a, '{"state":{"overall":0}}'),
	(:resp_b, :org_b, '{"state":{"overall":100}}');
SELECT count(*) AS ranks_total FROM snapshot_rank \gset

SELECT is_empty($$
	SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'public' AND c.relname = 'snapshot_rank'
	  AND NOT (c.relrowsecurity AND c.relforcerowsecurity) $$,
	'RLS is enabled and forced on snapshot_rank');
SELECT is_empty($$SELECT policyname::text FROM pg_policies
	WHERE tablename = 'snapshot_rank' AND cmd IN ('ALL', 'SELECT') AND qual = 'true' $$,
	'no policy lets everyone read snapshot_rank (FOR ALL USING (true) would)');

-- ---------------------------------------------------------------- no identity

SELECT set_config('rg.role', '', true) \gset ignored_
SELECT set_config('rg.org_id', '', true) \gset ignored_
SET LOCAL ROLE reifegrad_app;

SELECT is(current_user::text, 'reifegrad_app', 'the checks run as the application role');
SELECT is((SELECT count(*)::int FROM snapshot_rank), 0, 'no identity: no rank');
SELECT is((SELECT count(*)::int FROM snapshot_rank WHERE organisation_id = :org_a), 0,
	'no identity: not even by organisation');

-- ---------------------------------------------------------------- respondent

SELECT set_config('rg.role', 'respondent', true) \gset ignored_
SELECT set_config('rg.org_id', :'org_a', true) \gset ignored_

SELECT results_eq('SELECT response_id FROM snapshot_rank', ARRAY[:resp_a::bigint],
	'a respondent sees its own organisation''s ranks only');
SELECT is((SELECT count(*)::int FROM snapshot_rank WHERE organisation_id = :org_b), 0,
	'another organisation''s ranks are invisible by organisation');
SELECT is((SELECT count(*)::int FROM snapshot_rank WHERE response_id = :resp_b), 0,
	'... and by response');
SELECT is((SELECT ranks->'state'->>'overall' FROM snapshot_rank), '0',
	'its own ranks are readable');
WITH u AS (UPDATE snapshot_rank SET ranks = '{}' WHERE response_id = :resp_b RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'a respondent cannot change another''s ranks');
WITH u AS (UPDATE snapshot_rank SET ranks = '{"state":{"overall":100}}' WHERE response_id = :resp_a RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'nor its own');
WITH d AS (DELETE FROM snapshot_rank WHERE response_id = :resp_b RETURNING 1)
SELECT is((SELECT count(*)::int FROM d), 0, 'nor delete another''s');
SELECT throws_ok($$INSERT INTO snapshot_rank (response_id, organisation_id, ranks)
	VALUES ($$ || :resp_a || $$, $$ || :org_a || $$, '{}') ON CONFLICT (response_id)
	DO UPDATE SET ranks = EXCLUDED.ranks$$, '42501', NULL, 'nor write its own by insert');

SELECT set_config('rg.org_id', :'org_b', true) \gset ignored_
SELECT results_eq('SELECT response_id FROM snapshot_rank', ARRAY[:resp_b::bigint],
	'the other respondent sees its own only');

-- ---------------------------------------------------------------- researcher

SELECT set_config('rg.role', 'researcher', true) \gset ignored_
SELECT set_config('rg.org_id', '', true) \gset ignored_
SELECT is((SELECT count(*)::int FROM snapshot_rank), 0, 'a researcher sees no rank');
SELECT set_config('rg.role', 'superuser', true) \gset ignored_
SELECT is((SELECT count(*)::int FROM snapshot_rank), 0, 'an unknown role sees no rank');

-- ---------------------------------------------------------------- coordinator

SELECT set_config('rg.role', 'coordinator', true) \gset ignored_
SELECT is((SELECT count(*)::int FROM snapshot_rank), :ranks_total, 'a coordinator sees every rank');
WITH d AS (DELETE FROM snapshot_rank WHERE response_id = :resp_b RETURNING 1)
SELECT is((SELECT count(*)::int FROM d), 0, 'but deletes none');

-- ---------------------------------------------------------------- the system

SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT is((SELECT count(*)::int FROM snapshot_rank), :ranks_total, 'the system sees every rank');
SELECT lives_ok($$INSERT INTO snapshot_rank AS s (response_id, organisation_id, ranks)
	VALUES ($$ || :resp_b || $$, $$ || :org_b || $$, '{"network":{"overall":50}}')
	ON CONFLICT (response_id) DO UPDATE SET ranks = s.ranks || EXCLUDED.ranks$$,
	'the system merges ranks');
WITH d AS (DELETE FROM snapshot_rank WHERE response_id = :resp_a RETURNING 1)
SELECT is((SELECT count(*)::int FROM d), 1, 'the system drops a reopened response''s ranks');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
