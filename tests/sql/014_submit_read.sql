-- 014_submit_read.sql: rg_response_submit_read, the committer's read of the
-- submissions of its batch. Each item is judged alone, in the order of
-- API.md's errors for POST .../submit (as rg_response_submit_batch judges);
-- the answers leave only for an item that may be submitted, and only its
-- own organisation's; the read writes nothing, not even the session's touch
-- (left to the write since 017); the identity set for the call is gone
-- after it. Everything is rolled back.

BEGIN;
SELECT plan(10);

-- ---------------------------------------------------------------- fixtures

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001401', 'Read-014-A', 'gemeinde', 'Testland-014', 1000, true)
	RETURNING id AS oa \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001402', 'Read-014-B', 'gemeinde', 'Testland-014', 1000, true)
	RETURNING id AS ob \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001403', 'Read-014-C', 'gemeinde', 'Testland-014', 1000, true)
	RETURNING id AS oc \gset
INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ('read-014-test', 1, '{"de":"T","en":"T"}', '{}', decode(repeat('14', 32), 'hex'))
	RETURNING id AS q \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Read-014 offen', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS wo \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Read-014 zu', now() - interval '2 days', now() - interval '1 day')
	RETURNING id AS wc \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Read-014 geplant', now() + interval '1 day', now() + interval '2 days')
	RETURNING id AS wp \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('read-014-a@example.test', 'Anna A', 'respondent', :oa, 'x') RETURNING id AS ua \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('read-014-b@example.test', 'Berta B', 'respondent', :ob, 'x') RETURNING id AS ub \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('read-014-c@example.test', 'Carla C', 'respondent', :oc, 'x') RETURNING id AS ucc \gset
INSERT INTO app_user (email, name, role, password_hash)
	VALUES ('read-014-k@example.test', 'Coord', 'coordinator', 'x') RETURNING id AS uk \gset
-- Anna last seen five minutes ago (due a touch); an expired session.
INSERT INTO session (token_hash, user_id, expires_at, last_seen_at) VALUES
	(decode(repeat('a1', 32), 'hex'), :ua, now() + interval '1 day', now() - interval '5 minutes'),
	(decode(repeat('b1', 32), 'hex'), :ub, now() + interval '1 day', now()),
	(decode(repeat('c1', 32), 'hex'), :ucc, now() + interval '1 day', now()),
	(decode(repeat('d1', 32), 'hex'), :uk, now() + interval '1 day', now()),
	(decode(repeat('e1', 32), 'hex'), :ua, now() - interval '1 second', now());
-- Anna's draft at revision 3, Berta's response submitted.
INSERT INTO response (wave_id, organisation_id, answers, revision)
	VALUES (:wo, :oa, '{"A1": {"level": 2}}', 3);
INSERT INTO response (wave_id, organisation_id, answers, revision, state, submitted_at,
	submitted_revision, scores, overall)
	VALUES (:wo, :ob, '{"A1": {"level": 4}}', 2, 'submitted', now(), 2, '{"overall": 100}', 100);
SELECT set_config('rg.role', '', true) \gset ignored_

-- call(items): the batch of rows (hash byte, wave, rev).
CREATE FUNCTION pg_temp.call(items text) RETURNS TABLE (n integer, status text,
	revision integer, questionnaire_id bigint, user_id bigint, answers jsonb)
LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format($q$
		WITH i AS (SELECT * FROM (VALUES %s) v (h, w, r))
		SELECT * FROM rg_response_submit_read(
			ARRAY(SELECT decode(repeat(h, 32), 'hex') FROM i),
			ARRAY(SELECT w::bigint FROM i), ARRAY(SELECT r::integer FROM i))$q$, items);
END $$;

-- ------------------------------------------------------------ the checks

SELECT results_eq(
	format($$SELECT n, status, revision, questionnaire_id, user_id, answers
		FROM pg_temp.call($i$
		('e1', %1$s, 3), ('d1', %1$s, 0), ('a1', 99999999, 3), ('b1', %1$s, 2),
		('a1', %2$s, 3), ('a1', %3$s, 3), ('a1', %1$s, 2), ('a1', %1$s, 3),
		('c1', %1$s, 0)$i$)$$, :wo, :wc, :wp),
	format($$VALUES (1, 'unauthenticated', 0, NULL::bigint, NULL::bigint, NULL::jsonb),
		(2, 'forbidden', 0, NULL, %1$s, NULL),
		(3, 'not_found', 0, NULL, %2$s, NULL),
		(4, 'submitted', 2, %4$s, %3$s, NULL),
		(5, 'closed', 0, %4$s, %2$s, NULL),
		(6, 'planned', 0, %4$s, %2$s, NULL),
		(7, 'stale', 3, %4$s, %2$s, NULL),
		(8, 'read', 3, %4$s, %2$s, '{"A1": {"level": 2}}'),
		(9, 'read', 0, %4$s, %5$s, '{}')$$, :uk, :ua, :ub, :q, :ucc),
	'each item is judged alone, in the order of the API''s errors; answers only to submit');
SELECT results_eq(
	format($$SELECT status, revision, answers FROM pg_temp.call($i$
		('c1', %1$s, 3), ('c1', %1$s, 0)$i$)$$, :wo),
	$$VALUES ('stale', 0, NULL::jsonb), ('read', 0, '{}'::jsonb)$$,
	'a colleague''s session reads only its own organisation''s response (none yet)');
SELECT is(current_setting('rg.role'), '', 'the call leaves no identity behind');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT ok((SELECT last_seen_at < now() - interval '4 minutes' FROM session
	WHERE token_hash = decode(repeat('a1', 32), 'hex')),
	'a session due a touch is left to the write (017)');
SELECT is((SELECT revision FROM response WHERE wave_id = :wo AND organisation_id = :oa), 3,
	'reading changes nothing');
SELECT is((SELECT count(*) FROM response WHERE wave_id = :wo AND organisation_id = :oc), 0::bigint,
	'and creates nothing');
SELECT set_config('rg.role', '', true) \gset ignored_
SELECT is((SELECT count(*) FROM pg_temp.call('(''a1'', 1, 0)') WHERE n IS NULL), 0::bigint,
	'every row names its item');

-- ------------------------------------------------------------ privileges

SELECT ok(has_function_privilege('reifegrad_app',
	'rg_response_submit_read(bytea[], bigint[], integer[])', 'EXECUTE'),
	'the application may call it');
SELECT ok(NOT has_function_privilege('public',
	'rg_response_submit_read(bytea[], bigint[], integer[])', 'EXECUTE'),
	'nobody else may');
SELECT ok(NOT has_function_privilege('reifegrad_app',
	'rg_submit_judged(bytea[], bigint[], integer[], boolean)', 'EXECUTE'),
	'the judgement behind it is for the functions alone');

SELECT * FROM finish();
ROLLBACK;
