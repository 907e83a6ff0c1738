-- 020_response_hot.sql: an autosave and a submission rewrite their
-- response in place (HOT): the table's pages keep room, and no index of
-- response uses a column they change. Everything is rolled back.

BEGIN;
SELECT plan(6);

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000002001', 'Hot-020', 'gemeinde', 'Testland-020', 1000, true)
	RETURNING id AS o \gset
INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ('hot-020-test', 1, '{"de":"T","en":"T"}',
	'{"dimensions": [{"id": "D1", "items": [{"id": "D1.1"}]}]}',
	decode(repeat('20', 32), 'hex'))
	RETURNING id AS q \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Hot-020', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS w \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('hot-020@example.test', 'Hanna H', 'respondent', :o, 'x') RETURNING id AS u \gset
INSERT INTO session (token_hash, user_id, expires_at, last_seen_at)
	VALUES (decode(repeat('20', 32), 'hex'), :u, now() + interval '1 day', now());
INSERT INTO response (wave_id, organisation_id, answers, revision)
	VALUES (:w, :o, '{"D1.1": {"level": 1}}', 1) RETURNING id AS r \gset
SELECT set_config('rg.role', '', true) \gset ignored_

-- Updates of response in this transaction so far: all, and those in place.
CREATE FUNCTION pg_temp.updates() RETURNS TABLE (upd bigint, hot bigint)
LANGUAGE sql AS $$
	SELECT pg_stat_get_xact_tuples_updated('response'::regclass),
		pg_stat_get_xact_tuples_hot_updated('response'::regclass)
$$;

SELECT ok((SELECT 'fillfactor=70' = ANY (reloptions) FROM pg_class
	WHERE oid = 'response'::regclass), 'the pages of response keep room');
SELECT is_empty($$SELECT indexrelid::regclass FROM pg_index
	WHERE indrelid = 'response'::regclass
	  AND pg_get_indexdef(indexrelid) ~ '\mstate\M'$$,
	'no index of response uses its state');

SELECT upd AS upd0, hot AS hot0 FROM pg_temp.updates() \gset
SELECT results_eq(
	format($$SELECT status, revision FROM rg_response_save_batch(
		ARRAY[decode(repeat('20', 32), 'hex')], ARRAY[%s]::bigint[], ARRAY[1],
		ARRAY[%s]::bigint[], ARRAY['[]'::jsonb], ARRAY['{"D1.1": {"level": 4}}'::jsonb])$$,
		:w, :q),
	$$VALUES ('ok', 2)$$, 'an autosave');
SELECT results_eq(
	format($$SELECT upd - %s, hot - %s FROM pg_temp.updates()$$, :upd0, :hot0),
	$$VALUES (1::bigint, 1::bigint)$$, 'the autosave rewrote its response in place');

SELECT upd AS upd1, hot AS hot1 FROM pg_temp.updates() \gset
SELECT results_eq(
	format($$SELECT s.status FROM rg_submit_write(
		ARRAY[decode(repeat('20', 32), 'hex')], ARRAY[%s]::bigint[], ARRAY[2],
		ARRAY['{"overall": 75}'::jsonb], ARRAY[75::float8], ARRAY['{}'::jsonb],
		ARRAY['4'], ARRAY['.'], ARRAY['{75}'], ARRAY[%s]::bigint[], ARRAY[false]) s$$,
		:w, :r),
	$$VALUES ('ok')$$, 'a submission');
SELECT results_eq(
	format($$SELECT upd - %s, hot - %s FROM pg_temp.updates()$$, :upd1, :hot1),
	$$VALUES (1::bigint, 1::bigint)$$,
	'the submission, which changes the state, rewrote its response in place too');

SELECT * FROM finish();
ROLLBACK;
