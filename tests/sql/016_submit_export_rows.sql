-- 016_submit_export_rows.sql: rg_response_submit_batch writes each
-- submission's export row from the vectors it is given, with the
-- organisation's attributes, and only for what it submitted; the trigger
-- of 015 leaves that statement's rows to it, and exports every other
-- change as before, in the same transaction too. Everything is rolled back.

BEGIN;
SELECT plan(6);

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001601', 'Export-016-A', 'gemeinde', 'Testland-016', 1000, true)
	RETURNING id AS oa \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001602', 'Export-016-B', 'stadt', 'Testland-016', 60000, true)
	RETURNING id AS ob \gset
INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ('export-016-test', 1, '{"de":"T","en":"T"}',
	'{"dimensions": [{"id": "D1", "items": [{"id": "D1.1"}, {"id": "D1.2"}]},
	                 {"id": "D2", "items": [{"id": "D2.1"}]}]}',
	decode(repeat('16', 32), 'hex'))
	RETURNING id AS q \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Export-016', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS w \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('export-016-a@example.test', 'Anna A', 'respondent', :oa, 'x') RETURNING id AS ua \gset
INSERT INTO app_user (email, name, role, organisation_id, password_hash)
	VALUES ('export-016-b@example.test', 'Berta B', 'respondent', :ob, 'x') RETURNING id AS ub \gset
INSERT INTO session (token_hash, user_id, expires_at, last_seen_at) VALUES
	(decode(repeat('a1', 32), 'hex'), :ua, now() + interval '1 day', now()),
	(decode(repeat('b1', 32), 'hex'), :ub, now() + interval '1 day', now());
INSERT INTO response (wave_id, organisation_id, answers, revision) VALUES
	(:w, :oa, '{"D1.1": {"level": 3, "target": 4}, "D1.2": {"na": true}, "D2.1": {"level": 1}}', 2),
	(:w, :ob, '{"D1.1": {"level": 0}, "D1.2": {"level": 4}, "D2.1": {"level": 2}}', 5);
SELECT set_config('rg.role', '', true) \gset ignored_

-- Anna's submitted with the vectors given (deliberately not those of her
-- answers: the call writes what it is given); Berta's names a stale
-- revision and is not submitted.
SELECT results_eq(
	format($$SELECT status FROM rg_response_submit_batch(
		ARRAY[decode(repeat('a1', 32), 'hex'), decode(repeat('b1', 32), 'hex')],
		ARRAY[%1$s, %1$s]::bigint[], ARRAY[2, 4],
		ARRAY['{"overall": 62.5}', '{"overall": 50}']::jsonb[], ARRAY[62.5, 50],
		ARRAY['{}', '{}']::jsonb[], ARRAY['3x1', '001'], ARRAY['4..', '...'],
		ARRAY['{75,NULL}', '{1,2}'])$$, :w),
	$$VALUES ('ok'), ('stale')$$,
	'one submitted, one stale');
SELECT set_config('rg.role', 'admin', true) \gset ignored_
SELECT results_eq(
	format($$SELECT x.organisation_id, x.kind, x.size_class = o.size_class, x.state, levels,
		targets, scores, x.overall
		FROM export_row x JOIN organisation o ON o.id = x.organisation_id
		WHERE wave_id = %s$$, :w),
	format($$VALUES (%s::bigint, 'gemeinde', true, 'Testland-016', '3x1', '4..',
		'{75,NULL}'::float8[], 62.5::float8)$$, :oa),
	'the submitted one''s row is the call''s, with its organisation''s attributes');
SELECT is(current_setting('rg.export_rows', true), '',
	'the call tells the trigger nothing beyond its own statement');
-- In the same transaction, a change the call did not make is exported by
-- the trigger again: Berta's, submitted by hand.
UPDATE response SET state = 'submitted', submitted_at = now(), submitted_revision = 5,
	scores = '{"overall": 50, "dimensions": {"D1": 50, "D2": 50}}', overall = 50
WHERE wave_id = :w AND organisation_id = :ob;
SELECT results_eq(
	format($$SELECT levels, targets, scores FROM export_row
		WHERE wave_id = %s AND organisation_id = %s$$, :w, :ob),
	$$VALUES ('042', '...', '{50,50}'::float8[])$$,
	'a change the call did not make is the trigger''s, in the same transaction');
-- Anna's row, recomputed by the trigger, is what her answers give.
UPDATE response SET state = state WHERE wave_id = :w AND organisation_id = :oa;
SELECT results_eq(
	format($$SELECT levels, targets FROM export_row WHERE wave_id = %s AND organisation_id = %s$$,
		:w, :oa),
	$$VALUES ('3n1', '4..')$$,
	'and any later change of a submitted response is exported from its answers');
SELECT is(current_setting('rg.role'), 'admin', 'the trigger gives back the role it found');

SELECT * FROM finish();
ROLLBACK;
