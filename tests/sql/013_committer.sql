-- 013_committer.sql: rg_response_save_batch, the committer's one call for
-- many autosaves. Each item is judged on its own, in the order of API.md's
-- errors; a save lands only in the response of its own session's
-- organisation, on the revision it names; a second save of one response
-- in one call waits; items that only ask for the checks save nothing; the
-- identity set for the call is gone after it. Everything is rolled back.

BEGIN;
SELECT plan(34);

-- ---------------------------------------------------------------- fixtures

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001301', 'Batch-013-A', 'gemeinde', 'Testland-013', 1000, true)
	RETURNING id AS oa \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001302', 'Batch-013-B', 'gemeinde', 'Testland-013', 1000, true)
	RETURNING id AS ob \gset
INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ('batch-013-test', 1, '{"de":"T","en":"T"}', '{}', decode(repeat('13', 32), 'hex'))
	RETURNING id AS q \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Batch-013 offen', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS wo \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Batch-013 zu', now() - interval '2 days', now() - interval '1 day')
	RETURNING id AS wc \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Batch-013 geplant', now() + interval '1 day', now() + interval '2 days')
	RETURNING id AS wp \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('batch-013-a@example.test', 'Anna A', 'respondent', :oa, 'x') RETURNING id AS ua \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('batch-013-a2@example.test', 'Alex A', 'respondent', :oa, 'x') RETURNING id AS ua2 \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('batch-013-b@example.test', 'Berta B', 'respondent', :ob, 'x') RETURNING id AS ub \gset
INSERT INTO app_user (email, name, role, password_hash)
	VALUES ('batch-013-c@example.test', 'Coord', 'coordinator', 'x') RETURNING id AS uc \gset
-- Sessions: Anna's last seen five minutes ago (due a touch), her
-- colleague's, Berta's, the coordinator's, and one that has expired.
INSERT INTO session (token_hash, user_id, expires_at, last_seen_at) VALUES
	(decode(repeat('a1', 32), 'hex'), :ua, now() + interval '1 day', now() - interval '5 minutes'),
	(decode(repeat('a2', 32), 'hex'), :ua2, now() + interval '1 day', now()),
	(decode(repeat('b1', 32), 'hex'), :ub, now() + interval '1 day', now()),
	(decode(repeat('c1', 32), 'hex'), :uc, now() + interval '1 day', now()),
	(decode(repeat('e1', 32), 'hex'), :ua, now() - interval '1 second', now());

-- call(items): the batch of rows (hash byte, wave, rev, qid, remove, set).
CREATE FUNCTION pg_temp.call(items text) RETURNS TABLE (n integer, status text,
	revision integer, answered integer, questionnaire_id bigint)
LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format($q$
		WITH i AS (SELECT * FROM (VALUES %s) v (h, w, r, q, rm, st))
		SELECT * FROM rg_response_save_batch(
			ARRAY(SELECT decode(repeat(h, 32), 'hex') FROM i),
			ARRAY(SELECT w::bigint FROM i), ARRAY(SELECT r::integer FROM i),
			ARRAY(SELECT q::bigint FROM i), ARRAY(SELECT rm::jsonb FROM i),
			ARRAY(SELECT st::jsonb FROM i))$q$, items);
END $$;

-- ------------------------------------------------------------ the checks

SELECT results_eq(
	format($$SELECT n, status, revision, answered, questionnaire_id FROM pg_temp.call($i$
		('e1', %1$s, 0, %4$s, '[]', '{}'),
		('c1', %1$s, 0, %4$s, '[]', '{}'),
		('a1', 99999999, 0, %4$s, '[]', '{}'),
		('a1', %2$s, 0, %4$s, '[]', '{}'),
		('a1', %3$s, 0, %4$s, '[]', '{}'),
		('b1', %1$s, 5, %4$s, '[]', '{}'),
		('b1', %1$s, 0, 0, '[]', '{}'),
		('b1', %1$s, 0, %4$s, '[]', NULL)$i$)$$, :wo, :wc, :wp, :q),
	format($$VALUES (1, 'unauthenticated', 0, NULL::integer, %1$s::bigint),
		(2, 'forbidden', 0, NULL, %1$s), (3, 'not_found', 0, NULL, NULL),
		(4, 'closed', 0, NULL, %1$s), (5, 'planned', 0, NULL, %1$s),
		(6, 'stale', 0, NULL, %1$s), (7, 'questionnaire', 0, NULL, %1$s),
		(8, 'checked', 0, NULL, %1$s)$$, :q),
	'each item is judged alone, in the order of the API''s errors');
SELECT is((SELECT count(*) FROM response WHERE organisation_id IN (:oa, :ob)), 0::bigint,
	'none of them saved anything');
SELECT is(current_setting('rg.role'), '', 'the call leaves no identity behind');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT ok((SELECT last_seen_at > now() - interval '1 minute' FROM session
	WHERE token_hash = decode(repeat('a1', 32), 'hex')), 'a session due a touch got it');

-- ------------------------------------------------------------- the saves

SELECT results_eq(
	format($$SELECT n, status, revision, answered FROM pg_temp.call($i$
		('a1', %1$s, 0, %2$s, '[]', '{"D1.1": {"level": 2}, "D1.2": {"na": true}, "D1.3": {"comment": "x"}}'),
		('a2', %1$s, 0, %2$s, '[]', '{"D1.1": {"level": 4}}'),
		('b1', %1$s, 0, %2$s, '[]', '{"D2.1": {"level": 1}}')$i$)$$, :wo, :q),
	$$VALUES (1, 'ok', 1, 2), (2, 'again', 0, NULL::integer), (3, 'ok', 1, 1)$$,
	'a first save makes the response; a colleague''s in the same call waits');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT is((SELECT answers FROM response WHERE wave_id = :wo AND organisation_id = :oa),
	'{"D1.1": {"level": 2}, "D1.2": {"na": true}, "D1.3": {"comment": "x"}}'::jsonb,
	'the answers are those of the first save');
SELECT is((SELECT updated_by_name FROM response WHERE wave_id = :wo AND organisation_id = :oa),
	'Anna A', 'the response names who saved');
SELECT is((SELECT answers FROM response WHERE wave_id = :wo AND organisation_id = :ob),
	'{"D2.1": {"level": 1}}'::jsonb, 'the other organisation''s save went to its own response');

SELECT results_eq(
	format($$SELECT status, revision FROM pg_temp.call($i$
		('a2', %1$s, 0, %2$s, '[]', '{"D1.1": {"level": 4}}')$i$)$$, :wo, :q),
	$$VALUES ('stale', 1)$$,
	'sent again on its old revision, the colleague''s save is stale');
SELECT results_eq(
	format($$SELECT status, revision, answered FROM pg_temp.call($i$
		('a2', %1$s, 1, %2$s, '["D1.2", "D1.3"]', '{"D1.1": {"level": 4, "target": 4}, "D1.4": {"na": true}}')$i$)$$, :wo, :q),
	$$VALUES ('ok', 2, 2)$$,
	'on the current revision it merges: removals, then answers');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT is((SELECT answers FROM response WHERE wave_id = :wo AND organisation_id = :oa),
	'{"D1.1": {"level": 4, "target": 4}, "D1.4": {"na": true}}'::jsonb,
	'the merged answers');
SELECT is((SELECT answered FROM response WHERE wave_id = :wo AND organisation_id = :oa),
	2, 'answered counts a level or na = true');
SELECT is((SELECT updated_by FROM response WHERE wave_id = :wo AND organisation_id = :oa),
	:ua2::bigint, 'and names the colleague now');

-- Two colleagues' saves of one response in one call, both on revision 2:
-- the second waits for the next call, and there it is stale.
SELECT results_eq(
	format($$SELECT status, revision FROM pg_temp.call($i$
		('a1', %1$s, 2, %2$s, '[]', '{"D1.5": {"level": 0}}'),
		('a2', %1$s, 2, %2$s, '[]', '{"D1.6": {"level": 0}}')$i$)$$, :wo, :q),
	$$VALUES ('ok', 3), ('again', 2)$$,
	'one save per response and call');
SELECT results_eq(
	format($$SELECT status, revision FROM pg_temp.call($i$
		('a2', %1$s, 2, %2$s, '[]', '{"D1.6": {"level": 0}}'),
		('a2', %1$s, 3, %2$s, '[]', '{"D1.6": {"level": 0}}')$i$)$$, :wo, :q),
	$$VALUES ('stale', 3), ('ok', 4)$$,
	'sent again it is stale; on the new revision it lands');

-- Empty answers remove; the checks-only item on a valid revision.
SELECT results_eq(
	format($$SELECT status, revision, answered FROM pg_temp.call($i$
		('a1', %1$s, 4, %2$s, '["D1.1", "D1.4", "D1.5", "D1.6"]', '{}')$i$)$$, :wo, :q),
	$$VALUES ('ok', 5, 0)$$,
	'removing every answer leaves an empty response');
SELECT results_eq(
	format($$SELECT status, revision FROM pg_temp.call($i$
		('a1', %1$s, 5, %2$s, '[]', NULL)$i$)$$, :wo, :q),
	$$VALUES ('checked', 5)$$,
	'the checks only, on the current revision: checked, nothing saved');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT is((SELECT revision FROM response WHERE wave_id = :wo AND organisation_id = :oa),
	5, 'the revision did not move');

-- A submitted response is not saved into; a role changed since the
-- session began is seen at once.
UPDATE response SET state = 'submitted', submitted_at = now(), submitted_revision = 1,
	scores = '{}' WHERE wave_id = :wo AND organisation_id = :ob;
SELECT results_eq(
	format($$SELECT status, revision FROM pg_temp.call($i$
		('b1', %1$s, 1, %2$s, '[]', '{"D2.2": {"level": 3}}')$i$)$$, :wo, :q),
	$$VALUES ('submitted', 1)$$,
	'a submitted response refuses the save');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
UPDATE app_user SET role = 'coordinator', organisation_id = NULL WHERE id = :ua;
SELECT results_eq(
	format($$SELECT status FROM pg_temp.call($i$
		('a1', %1$s, 5, %2$s, '[]', '{"D1.1": {"level": 1}}')$i$)$$, :wo, :q),
	$$VALUES ('forbidden')$$,
	'a respondent made coordinator may not save any more');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
DELETE FROM session WHERE token_hash = decode(repeat('a2', 32), 'hex');
SELECT results_eq(
	format($$SELECT status FROM pg_temp.call($i$
		('a2', %1$s, 5, %2$s, '[]', '{"D1.1": {"level": 1}}')$i$)$$, :wo, :q),
	$$VALUES ('unauthenticated')$$,
	'a signed-out session saves nothing');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT is((SELECT revision FROM response WHERE wave_id = :wo AND organisation_id = :oa),
	5, 'still revision 5');

-- ----------------------------------------------------------- submissions

INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001303', 'Batch-013-C', 'gemeinde', 'Testland-013', 1000, true)
	RETURNING id AS oc \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001304', 'Batch-013-D', 'gemeinde', 'Testland-013', 1000, true)
	RETURNING id AS od \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('batch-013-c1@example.test', 'Carl C', 'respondent', :oc, 'x') RETURNING id AS uc1 \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('batch-013-c2@example.test', 'Cora C', 'respondent', :oc, 'x') RETURNING id AS uc2 \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('batch-013-d1@example.test', 'Dora D', 'respondent', :od, 'x') RETURNING id AS ud1 \gset
INSERT INTO session (token_hash, user_id, expires_at, last_seen_at) VALUES
	(decode(repeat('d1', 32), 'hex'), :uc1, now() + interval '1 day', now()),
	(decode(repeat('d2', 32), 'hex'), :uc2, now() + interval '1 day', now()),
	(decode(repeat('d3', 32), 'hex'), :ud1, now() + interval '1 day', now());
INSERT INTO response (wave_id, organisation_id, answers, answered, revision)
	VALUES (:wo, :oc, '{"D1.1": {"level": 3}}', 1, 4);
INSERT INTO response (wave_id, organisation_id, answers, answered, revision)
	VALUES (:wc, :oc, '{"D1.1": {"level": 3}}', 1, 2);

-- sub(items): the batch of rows (hash byte, wave, rev, scores, overall),
-- called as 016 redefined it (with empty export vectors).
CREATE FUNCTION pg_temp.sub(items text) RETURNS TABLE (n integer, status text,
	revision integer, answered integer, questionnaire_id bigint)
LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format($q$
		WITH i AS (SELECT * FROM (VALUES %s) v (h, w, r, sc, ov))
		SELECT * FROM rg_response_submit_batch(
			ARRAY(SELECT decode(repeat(h, 32), 'hex') FROM i),
			ARRAY(SELECT w::bigint FROM i), ARRAY(SELECT r::integer FROM i),
			ARRAY(SELECT sc::jsonb FROM i), ARRAY(SELECT ov::double precision FROM i),
			ARRAY(SELECT '{}'::jsonb FROM i), ARRAY(SELECT '' FROM i),
			ARRAY(SELECT '' FROM i), ARRAY(SELECT '{}' FROM i))$q$, items);
END $$;

SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT count(*) AS pending0 FROM peer_pending \gset
SELECT results_eq(
	format($$SELECT n, status, revision FROM pg_temp.sub($i$
		('d1', %1$s, 3, '{"overall": 60}', 60),
		('d1', %2$s, 2, '{"overall": 60}', 60),
		('e1', %1$s, 4, '{"overall": 60}', 60),
		('d1', %1$s, 4, '{"overall": 75, "stage": null, "dimensions": {}}', 75),
		('d2', %1$s, 4, '{"overall": 10}', 10),
		('d3', %1$s, 0, '{"overall": null, "stage": null, "dimensions": {}}', NULL)$i$)$$, :wo, :wc),
	$$VALUES (1, 'stale', 4), (2, 'closed', 2), (3, 'unauthenticated', 0), (4, 'ok', 4),
		(5, 'again', 4), (6, 'ok', 0)$$,
	'submissions are judged alone; one per response and call; a response without a row is made');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT results_eq(
	format($$SELECT state, submitted_revision, overall, scores->>'overall' FROM response
		WHERE wave_id = %s AND organisation_id = %s$$, :wo, :oc),
	$$VALUES ('submitted', 4, 75::double precision, '75')$$,
	'the first one''s scores are stored, at the revision it named');
SELECT results_eq(
	format($$SELECT state, revision, submitted_revision, overall, updated_by_name FROM response
		WHERE wave_id = %s AND organisation_id = %s$$, :wo, :od),
	$$VALUES ('submitted', 0, 0, NULL::double precision, 'Dora D')$$,
	'an untouched draft is submitted at revision 0');
SELECT is((SELECT count(*) FROM peer_pending) - :pending0, 2::bigint,
	'both wait for the peer groups');
SELECT is((SELECT count(*) FROM export_row WHERE wave_id = :wo AND organisation_id IN (:oc, :od)),
	2::bigint, 'both have their export rows');
SELECT results_eq(
	format($$SELECT status, revision FROM pg_temp.sub($i$
		('d2', %1$s, 4, '{"overall": 10}', 10)$i$)$$, :wo),
	$$VALUES ('submitted', 4)$$,
	'the colleague''s, sent again, finds it submitted');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT is((SELECT overall FROM response WHERE wave_id = :wo AND organisation_id = :oc),
	75::double precision, 'and changes nothing');
SELECT results_eq(
	format($$SELECT status FROM pg_temp.sub($i$
		('d1', %1$s, 1, '{}', NULL), ('c1', %2$s, 0, '{}', NULL)$i$)$$, 99999999, :wo),
	$$VALUES ('not_found'), ('forbidden')$$,
	'no such wave; not a respondent');
SELECT is(current_setting('rg.role'), '', 'the call leaves no identity behind');

-- ------------------------------------------------------------ privileges

SELECT ok(has_function_privilege('reifegrad_app',
	'rg_response_save_batch(bytea[], bigint[], integer[], bigint[], jsonb[], jsonb[])', 'EXECUTE'),
	'the application may call it');
SELECT ok(NOT has_function_privilege('public',
	'rg_response_save_batch(bytea[], bigint[], integer[], bigint[], jsonb[], jsonb[])', 'EXECUTE'),
	'nobody else may');
SELECT ok(has_function_privilege('reifegrad_app',
	'rg_response_submit_batch(bytea[], bigint[], integer[], jsonb[], double precision[], jsonb[], text[], text[], text[])', 'EXECUTE')
	AND NOT has_function_privilege('public',
	'rg_response_submit_batch(bytea[], bigint[], integer[], jsonb[], double precision[], jsonb[], text[], text[], text[])', 'EXECUTE'),
	'the same for submissions');

SELECT * FROM finish();
ROLLBACK;
