-- 019_submit_lean.sql: the committer's read gives each submission's
-- response and whether its session is due for a touch; the write submits
-- by the response's id only where what the read judged still holds, and
-- answers 'race' for the rest. Everything is rolled back.

BEGIN;
SELECT plan(19);

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001901', 'Lean-019-A', 'gemeinde', 'Testland-019', 1000, true)
	RETURNING id AS oa \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001902', 'Lean-019-B', 'gemeinde', 'Testland-019', 1000, true)
	RETURNING id AS ob \gset
INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ('lean-019-test', 1, '{"de":"T","en":"T"}',
	'{"dimensions": [{"id": "D1", "items": [{"id": "D1.1"}]}]}',
	decode(repeat('19', 32), 'hex'))
	RETURNING id AS q \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Lean-019', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS w \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Lean-019-closing', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS w2 \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('lean-019-a@example.test', 'Anna A', 'respondent', :oa, 'x') RETURNING id AS ua \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('lean-019-b@example.test', 'Berta B', 'respondent', :ob, 'x') RETURNING id AS ub \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('lean-019-c@example.test', 'Carl B', 'respondent', :ob, 'x') RETURNING id AS uc \gset
-- a7 last seen five minutes ago (due a touch); the others just now.
INSERT INTO session (token_hash, user_id, expires_at, last_seen_at) VALUES
	(decode(repeat('a7', 32), 'hex'), :ua, now() + interval '1 day', now() - interval '5 minutes'),
	(decode(repeat('b7', 32), 'hex'), :ub, now() + interval '1 day', now()),
	(decode(repeat('c7', 32), 'hex'), :uc, now() + interval '1 day', now());
INSERT INTO response (wave_id, organisation_id, answers, revision)
	VALUES (:w, :oa, '{"D1.1": {"level": 3}}', 2) RETURNING id AS ra \gset
INSERT INTO response (wave_id, organisation_id, answers, revision)
	VALUES (:w, :ob, '{"D1.1": {"level": 1}}', 4) RETURNING id AS rb \gset
INSERT INTO response (wave_id, organisation_id, answers, revision)
	VALUES (:w2, :oa, '{"D1.1": {"level": 2}}', 1) RETURNING id AS ra2 \gset
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
-- state(id): a response's state, as the admin sees it.
CREATE FUNCTION pg_temp.state(id bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	s text;
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	SELECT r.state INTO s FROM response r WHERE r.id = state.id;
	PERFORM set_config('rg.role', '', true);
	RETURN s;
END $$;
-- write(hashes, waves, revs, rids): rg_submit_write with scores of 75,
-- each session touched when due.
CREATE FUNCTION pg_temp.write(h text[], wv bigint[], rv integer[], rid bigint[],
	touch boolean[])
RETURNS TABLE (n integer, status text, revision integer, qid bigint)
LANGUAGE sql AS $$
	SELECT s.n, s.status, s.revision, s.questionnaire_id
	FROM rg_submit_write(
		ARRAY(SELECT decode(repeat(x, 32), 'hex') FROM unnest(h) x), wv, rv,
		array_fill('{"overall": 75}'::jsonb, ARRAY[cardinality(h)]),
		array_fill(75::float8, ARRAY[cardinality(h)]),
		array_fill('{}'::jsonb, ARRAY[cardinality(h)]),
		array_fill('3'::text, ARRAY[cardinality(h)]),
		array_fill('.'::text, ARRAY[cardinality(h)]),
		array_fill('{75}'::text, ARRAY[cardinality(h)]), rid, touch) s
$$;

-- The read.
SELECT results_eq(
	format($$SELECT status, revision, response_id, touch, answers
		FROM rg_submit_read(ARRAY[decode(repeat('a7', 32), 'hex'),
			decode(repeat('b7', 32), 'hex'), decode(repeat('ee', 32), 'hex')],
			ARRAY[%1$s, %1$s, %1$s]::bigint[], ARRAY[2, 3, 0])$$, :w),
	format($$VALUES ('read', 2, %s::bigint, true, '{"D1.1": {"level": 3}}'::jsonb),
		('stale', 4, NULL, false, NULL), ('unauthenticated', 0, NULL, false, NULL)$$,
		:ra),
	'the read judges each item, and gives the response and the touch due of those read');
SELECT ok(pg_temp.seen('a7') < now() - interval '4 minutes',
	'the read leaves the session as it was');
SELECT results_eq(
	format($$SELECT status, response_id FROM rg_submit_read(
		ARRAY[decode(repeat('c7', 32), 'hex')], ARRAY[%s]::bigint[], ARRAY[0])$$, :w2),
	$$VALUES ('read', NULL::bigint)$$,
	'a response without a row yet is read without one');

-- version(org): the organisation's cache version (011), 0 when none.
CREATE FUNCTION pg_temp.version(o bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	v bigint;
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	SELECT c.v INTO v FROM cache_version c WHERE c.kind = 'o' AND c.id = o;
	PERFORM set_config('rg.role', '', true);
	RETURN coalesce(v, 0);
END $$;
SELECT pg_temp.version(:oa) AS va \gset

-- The write, where everything still holds.
SELECT results_eq(
	format($$SELECT status, revision, qid FROM pg_temp.write(ARRAY['a7'],
		ARRAY[%s]::bigint[], ARRAY[2], ARRAY[%s]::bigint[], ARRAY[true])$$, :w, :ra),
	format($$VALUES ('ok', 2, %s::bigint)$$, :q),
	'the write submits, and names the questionnaire');
SELECT is(pg_temp.state(:ra), 'submitted', 'the response is submitted');
SELECT ok(pg_temp.seen('a7') >= now() - interval '1 second',
	'the session due is touched');
SELECT is(pg_temp.version(:oa), (:va + 1)::bigint,
	'the organisation''s cache version counts one up, once (not again by the row trigger)');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT results_eq(
	format($$SELECT levels, scores FROM export_row WHERE response_id = %s$$, :ra),
	$$VALUES ('3', '{75}'::double precision[])$$,
	'its export row is written as the committer computed it');
SELECT is((SELECT count(*)::integer FROM peer_pending
	WHERE wave_id = :w AND organisation_id = :oa), 1,
	'and its peer groups are due for the snapshotter');
SELECT set_config('rg.role', '', true) \gset ignored_

-- Where something changed since the read: a race, and nothing written.
SELECT results_eq(
	format($$SELECT status, revision FROM pg_temp.write(ARRAY['b7'],
		ARRAY[%s]::bigint[], ARRAY[3], ARRAY[%s]::bigint[], ARRAY[false])$$, :w, :rb),
	$$VALUES ('race', 3)$$,
	'a revision other than the current one is a race');
SELECT results_eq(
	format($$SELECT status FROM pg_temp.write(ARRAY['a7'],
		ARRAY[%s]::bigint[], ARRAY[2], ARRAY[%s]::bigint[], ARRAY[false])$$, :w, :ra),
	$$VALUES ('race')$$,
	'a response submitted meanwhile is a race');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
UPDATE wave SET closes_at = now() - interval '1 hour', opens_at = now() - interval '2 days'
	WHERE id = :w2;
SELECT set_config('rg.role', '', true) \gset ignored_
SELECT results_eq(
	format($$SELECT status FROM pg_temp.write(ARRAY['a7'],
		ARRAY[%s]::bigint[], ARRAY[1], ARRAY[%s]::bigint[], ARRAY[false])$$, :w2, :ra2),
	$$VALUES ('race')$$,
	'a wave closed meanwhile is a race');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
UPDATE app_user SET organisation_id = :oa WHERE id = :uc;
SELECT set_config('rg.role', '', true) \gset ignored_
SELECT results_eq(
	format($$SELECT status FROM pg_temp.write(ARRAY['c7'],
		ARRAY[%s]::bigint[], ARRAY[4], ARRAY[%s]::bigint[], ARRAY[false])$$, :w, :rb),
	$$VALUES ('race')$$,
	'a user moved to another organisation meanwhile is a race');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
UPDATE app_user SET organisation_id = :ob WHERE id = :uc;
SELECT set_config('rg.role', '', true) \gset ignored_
SELECT is(pg_temp.state(:rb), 'draft', 'and nothing of it was submitted');

-- Two users of one organisation submit its response in one batch.
SELECT results_eq(
	format($$SELECT status FROM pg_temp.write(ARRAY['b7', 'c7'],
		ARRAY[%1$s, %1$s]::bigint[], ARRAY[4, 4], ARRAY[%2$s, %2$s]::bigint[],
		ARRAY[false, false]) ORDER BY n$$, :w, :rb),
	$$VALUES ('ok'), ('race')$$,
	'of two items of one response, the first submits and the other is a race');

-- A response without a row yet: the batch goes through 016's write.
SELECT set_config('rg.role', 'admin', true) \gset ignored_
UPDATE wave SET closes_at = now() + interval '1 day' WHERE id = :w2;
SELECT set_config('rg.role', '', true) \gset ignored_
SELECT results_eq(
	format($$SELECT status, revision FROM pg_temp.write(ARRAY['c7'],
		ARRAY[%s]::bigint[], ARRAY[0], ARRAY[NULL]::bigint[], ARRAY[false])$$, :w2),
	$$VALUES ('ok', 0)$$,
	'an item without a response row is submitted as before, with a new row');

-- Any other change of a response still counts its version up, by the
-- row trigger.
SELECT pg_temp.version(:ob) AS vb \gset
SELECT set_config('rg.role', 'admin', true) \gset ignored_
UPDATE response SET updated_at = now() WHERE id = :rb;
SELECT set_config('rg.role', '', true) \gset ignored_
SELECT is(pg_temp.version(:ob), (:vb + 1)::bigint, 'an update elsewhere counts the version up');

SELECT is((SELECT count(*)::integer FROM pg_constraint
	WHERE conrelid = 'peer_pending'::regclass AND contype = 'f'), 0,
	'the snapshotter''s queue has no references to check');

SELECT ok(has_function_privilege('reifegrad_app',
	'rg_submit_write(bytea[], bigint[], integer[], jsonb[], double precision[], jsonb[], text[], text[], text[], bigint[], boolean[])',
	'EXECUTE') AND NOT has_function_privilege('public',
	'rg_submit_read(bytea[], bigint[], integer[])', 'EXECUTE'),
	'the committer may call both; nobody else');

SELECT * FROM finish();
ROLLBACK;
