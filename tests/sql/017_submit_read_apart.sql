-- 017_submit_read_apart.sql: the committer's read of submissions writes
-- nothing, so that it can run as a statement of its own beside the write;
-- the session's touch is the write's (rg_response_submit_batch), and the
-- autosaves' (rg_response_save_batch) as before. Everything is rolled back.

BEGIN;
SELECT plan(7);

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001701', 'Apart-017-A', 'gemeinde', 'Testland-017', 1000, true)
	RETURNING id AS oa \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001702', 'Apart-017-B', 'gemeinde', 'Testland-017', 1000, true)
	RETURNING id AS ob \gset
INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ('apart-017-test', 1, '{"de":"T","en":"T"}',
	'{"dimensions": [{"id": "D1", "items": [{"id": "D1.1"}]}]}',
	decode(repeat('17', 32), 'hex'))
	RETURNING id AS q \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Apart-017', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS w \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('apart-017-a@example.test', 'Anna A', 'respondent', :oa, 'x') RETURNING id AS ua \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('apart-017-b@example.test', 'Berta B', 'respondent', :ob, 'x') RETURNING id AS ub \gset
-- Both last seen five minutes ago: due a touch.
INSERT INTO session (token_hash, user_id, expires_at, last_seen_at) VALUES
	(decode(repeat('a7', 32), 'hex'), :ua, now() + interval '1 day', now() - interval '5 minutes'),
	(decode(repeat('b7', 32), 'hex'), :ub, now() + interval '1 day', now() - interval '5 minutes');
INSERT INTO response (wave_id, organisation_id, answers, revision) VALUES
	(:w, :oa, '{"D1.1": {"level": 3}}', 2),
	(:w, :ob, '{"D1.1": {"level": 1}}', 4);
SELECT set_config('rg.role', '', true) \gset ignored_

-- seen(byte): when the session was last seen, as the admin sees it.
CREATE FUNCTION pg_temp.seen(h text) RETURNS timestamptz LANGUAGE plpgsql AS $$
DECLARE
	t timestamptz;
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	SELECT last_seen_at INTO t FROM session
	WHERE token_hash = decode(repeat(h, 32), 'hex');
	PERFORM set_config('rg.role', '', true);
	RETURN t;
END $$;

SELECT results_eq(
	format($$SELECT status, revision FROM rg_response_submit_read(
		ARRAY[decode(repeat('a7', 32), 'hex')], ARRAY[%s]::bigint[], ARRAY[2])$$, :w),
	$$VALUES ('read', 2)$$,
	'the read judges as before');
SELECT ok(pg_temp.seen('a7') < now() - interval '4 minutes',
	'and leaves the session as it was');
SELECT results_eq(
	format($$SELECT status FROM rg_response_submit_batch(
		ARRAY[decode(repeat('a7', 32), 'hex')], ARRAY[%s]::bigint[], ARRAY[2],
		ARRAY['{"overall": 75}']::jsonb[], ARRAY[75], ARRAY['{}']::jsonb[],
		ARRAY['3'], ARRAY['.'], ARRAY['{75}'])$$, :w),
	$$VALUES ('ok')$$,
	'the write submits');
SELECT ok(pg_temp.seen('a7') >= now() - interval '1 second',
	'and touches the session');
SELECT results_eq(
	format($$SELECT status FROM rg_response_save_batch(
		ARRAY[decode(repeat('b7', 32), 'hex')], ARRAY[%s]::bigint[], ARRAY[4],
		ARRAY[%s]::bigint[], ARRAY['[]']::jsonb[], ARRAY['{"D1.1": {"level": 2}}']::jsonb[])$$,
		:w, :q),
	$$VALUES ('ok')$$,
	'an autosave saves');
SELECT ok(pg_temp.seen('b7') >= now() - interval '1 second',
	'and touches the session, as before');

SELECT ok(NOT has_function_privilege('reifegrad_app',
	'rg_batch_sessions(bytea[], boolean)', 'EXECUTE'),
	'the sessions helper is for the functions alone');

SELECT * FROM finish();
ROLLBACK;
