-- 011_answer_cache.sql: the versions behind the workers' answer cache
-- (cgi/anscache.c). Every change that could alter a cached answer or end a
-- session counts a version up in its own transaction; what cannot (a
-- session's touch, a new session) counts nothing, so that the cache is not
-- emptied by the requests it serves. The application role
-- reads the versions and cannot write them. Everything is rolled back.

BEGIN;
SELECT plan(20);

CREATE FUNCTION pg_temp.v(k "char", i bigint) RETURNS bigint LANGUAGE sql AS $$
	SELECT coalesce((SELECT v FROM cache_version WHERE kind = k AND id = i), 0)
$$;

-- ---------------------------------------------------------------- fixtures

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001101', 'Cache-011-Gemeinde', 'gemeinde', 'Testland-011', 1000, true)
	RETURNING id AS org \gset
INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ('cache-011-test', 1, '{"de":"T","en":"T"}', '{}', decode(repeat('55', 32), 'hex'))
	RETURNING id AS qid \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:qid, 'Cache-011-Welle A', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS wa \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:qid, 'Cache-011-Welle B', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS wb \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('cache-011@example.test', 'C', 'respondent', :org, 'x')
	RETURNING id AS uid \gset
INSERT INTO session (token_hash, user_id, expires_at, last_seen_at)
	VALUES (decode(repeat('1a', 32), 'hex'), :uid, now() + interval '1 day', now() - interval '5 minutes');

-- ---------------------------------------------------------------- sessions

SELECT pg_temp.v('u', :uid) AS u0 \gset
SELECT is(pg_temp.v('u', :uid), :u0::bigint, 'a new session counts nothing');
UPDATE session SET last_seen_at = now() WHERE user_id = :uid;
SELECT is(pg_temp.v('u', :uid), :u0::bigint, 'its touch counts nothing');
UPDATE session SET expires_at = expires_at + interval '1 hour' WHERE user_id = :uid;
SELECT is(pg_temp.v('u', :uid), :u0::bigint, 'nor does a longer life');
UPDATE session SET last_seen_at = now() - interval '2 hours' WHERE user_id = :uid;
SELECT ok(pg_temp.v('u', :uid) > :u0, 'a session set back counts its user up');
SELECT pg_temp.v('u', :uid) AS u1 \gset
UPDATE session SET expires_at = now() WHERE user_id = :uid;
SELECT ok(pg_temp.v('u', :uid) > :u1, 'so does a session shortened');
SELECT pg_temp.v('u', :uid) AS u2 \gset
UPDATE app_user SET name = 'C2' WHERE id = :uid;
SELECT ok(pg_temp.v('u', :uid) > :u2, 'a changed account counts its user up');
SELECT pg_temp.v('u', :uid) AS u3 \gset
DELETE FROM session WHERE user_id = :uid;
SELECT ok(pg_temp.v('u', :uid) > :u3, 'a session ended counts its user up');

-- The session check gives the user's version and the end of the session.
INSERT INTO session (token_hash, user_id, expires_at, last_seen_at)
	VALUES (decode(repeat('1b', 32), 'hex'), :uid, now() + interval '10 minutes', now());
SELECT results_eq(
	$$SELECT cache_v, valid_until FROM rg_session_begin(decode(repeat('1b', 32), 'hex'))$$,
	$$SELECT pg_temp.v('u', $$ || :uid || $$), extract(epoch FROM now() + interval '10 minutes')::bigint$$,
	'session_begin gives the version and the absolute end, when that comes first');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
UPDATE session SET expires_at = now() + interval '1 day' WHERE user_id = :uid;
SELECT results_eq(
	$$SELECT cache_v, valid_until FROM rg_session_begin(decode(repeat('1b', 32), 'hex'), false)$$,
	$$SELECT pg_temp.v('u', $$ || :uid || $$), extract(epoch FROM now() + interval '60 minutes')::bigint$$,
	'without the touch, it gives the idle timeout''s end, when that comes first');
SELECT set_config('rg.role', 'admin', true) \gset ignored_

-- ----------------------------------------------------- organisations, responses

SELECT pg_temp.v('o', :org) AS o0 \gset
INSERT INTO response (wave_id, organisation_id, answers, answered)
	VALUES (:wa, :org, '{"D1.1": {"level": 1}}', 1);
SELECT ok(pg_temp.v('o', :org) > :o0, 'a new response counts its organisation up');
SELECT pg_temp.v('o', :org) AS o1 \gset
UPDATE response SET answers = '{"D1.1": {"level": 2}}', revision = revision + 1
	WHERE wave_id = :wa AND organisation_id = :org;
SELECT ok(pg_temp.v('o', :org) > :o1, 'an autosave counts its organisation up');
SELECT pg_temp.v('o', :org) AS o1 \gset
UPDATE response SET state = 'submitted', submitted_at = now(), overall = 50,
	scores = '{"overall": 50, "stage": "aufbauend", "dimensions": {}}'
	WHERE wave_id = :wa AND organisation_id = :org;
SELECT ok(pg_temp.v('o', :org) > :o1, 'a submission counts its organisation up');
SELECT pg_temp.v('o', :org) AS o2 \gset
UPDATE organisation SET name = 'Cache-011-Stadt' WHERE id = :org;
SELECT ok(pg_temp.v('o', :org) > :o2, 'a changed organisation counts itself up');
SELECT pg_temp.v('o', :org) AS o3 \gset
DELETE FROM response WHERE wave_id = :wa AND organisation_id = :org;
SELECT ok(pg_temp.v('o', :org) > :o3, 'a response gone counts its organisation up');

-- ---------------------------------------------------------------- waves, settings

SELECT pg_temp.v('w', :wa) AS wa0, pg_temp.v('w', :wb) AS wb0 \gset
UPDATE wave SET snapshot_generation = snapshot_generation + 1 WHERE id = :wa;
SELECT ok(pg_temp.v('w', :wa) > :wa0, 'a renewed snapshot counts its wave up');
SELECT is(pg_temp.v('w', :wb), :wb0::bigint, '... and no other wave');
SELECT pg_temp.v('w', :wa) AS wa1 \gset
INSERT INTO setting (key, value) VALUES ('k_anonymity', '6')
	ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
SELECT ok(pg_temp.v('w', :wa) > :wa1 AND pg_temp.v('w', :wb) > :wb0,
	'a setting counts every wave up');

-- ---------------------------------------------------------------- the application role

SET ROLE reifegrad_app;
SELECT is((SELECT count(*)::int FROM cache_version WHERE kind = 'o' AND id = :org), 1,
	'the application reads the versions without an identity');
SELECT throws_ok($$UPDATE cache_version SET v = 0$$, '42501', NULL,
	'but cannot change them');
SELECT throws_ok($$INSERT INTO cache_version (kind, id) VALUES ('o', 1)$$, '42501', NULL,
	'... nor add one');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
