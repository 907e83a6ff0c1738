-- 015_export_rows.sql: export rows written by statement. One UPDATE that
-- submits several responses writes each one's row, encoded as 005 encodes
-- it; an UPDATE that reopens removes them; autosaves of drafts (INSERT ...
-- ON CONFLICT, as rg_response_save_batch) write none; an INSERT of a
-- submitted response writes its row. Everything is rolled back.

BEGIN;
SELECT plan(7);

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001501', 'Export-015-A', 'gemeinde', 'Testland-015', 1000, true)
	RETURNING id AS oa \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001502', 'Export-015-B', 'stadt', 'Testland-015', 50000, true)
	RETURNING id AS ob \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001503', 'Export-015-C', 'gemeinde', 'Testland-015', 1000, true)
	RETURNING id AS oc \gset
INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ('export-015-test', 1, '{"de":"T","en":"T"}',
	'{"dimensions": [{"id": "D1", "items": [{"id": "D1.1"}, {"id": "D1.2"}, {"id": "D1.3"}]},
	                 {"id": "D2", "items": [{"id": "D2.1"}, {"id": "D2.2"}]}]}',
	decode(repeat('15', 32), 'hex'))
	RETURNING id AS q \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Export-015', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS w \gset
INSERT INTO response (wave_id, organisation_id, answers, revision) VALUES
	(:w, :oa, '{"D1.1": {"level": 3, "target": 4}, "D1.2": {"na": true, "level": 2},
	            "D2.2": {"level": 0, "comment": "x"}, "D9.9": {"level": 1}}', 5),
	(:w, :ob, '{"D1.3": {"level": 4, "target": 0}, "D2.1": {"target": 2}}', 2);

SELECT is((SELECT count(*) FROM export_row WHERE wave_id = :w), 0::bigint,
	'drafts have no export rows');

-- Both submitted by one statement, as the committer's batch does.
UPDATE response SET state = 'submitted', submitted_at = now(), submitted_revision = revision,
	scores = CASE organisation_id WHEN :oa
		THEN '{"overall": 62.5, "dimensions": {"D1": 75, "D2": null}}'::jsonb
		ELSE '{"overall": 50, "dimensions": {"D1": 100, "D2": 0.5}}'::jsonb END,
	overall = CASE organisation_id WHEN :oa THEN 62.5 ELSE 50 END
WHERE wave_id = :w;
SELECT results_eq(
	format($$SELECT x.organisation_id, x.size_class = o.size_class, x.kind, levels, targets,
		scores, overall
		FROM export_row x JOIN organisation o ON o.id = x.organisation_id
		WHERE wave_id = %s ORDER BY organisation_id$$, :w),
	format($$VALUES (%s::bigint, true, 'gemeinde', '3n..0', '4....', '{75,NULL}'::float8[],
		62.5::float8), (%s, true, 'stadt', '..4..', '..02.', '{100,0.5}', 50)$$, :oa, :ob),
	'one UPDATE writes every submitted response''s row: levels, n/a, targets, scores');

-- An autosave of a third municipality (an upsert, as rg_response_save_batch)
-- writes no row, and leaves the others as they are.
INSERT INTO response AS r (wave_id, organisation_id, answers, revision)
	VALUES (:w, :oc, '{"D1.1": {"level": 1}}', 1)
	ON CONFLICT (wave_id, organisation_id) DO UPDATE SET answers = EXCLUDED.answers,
		revision = r.revision + 1;
INSERT INTO response AS r (wave_id, organisation_id, answers, revision)
	VALUES (:w, :oc, '{"D1.1": {"level": 2}}', 1)
	ON CONFLICT (wave_id, organisation_id) DO UPDATE SET answers = EXCLUDED.answers,
		revision = r.revision + 1;
SELECT is((SELECT count(*) FROM export_row WHERE wave_id = :w), 2::bigint,
	'autosaves of a draft write no row');

-- Reopened: its row goes; the other stays.
UPDATE response SET state = 'draft', submitted_at = NULL, submitted_revision = NULL,
	scores = NULL, overall = NULL, revision = revision + 1
WHERE wave_id = :w AND organisation_id = :oa;
SELECT results_eq(
	format($$SELECT organisation_id FROM export_row WHERE wave_id = %s$$, :w),
	format($$VALUES (%s::bigint)$$, :ob),
	'a reopened response''s row goes, the others stay');

-- An UPDATE of a submitted response writes its row again.
UPDATE response SET scores = '{"overall": 40, "dimensions": {"D1": 80, "D2": 0}}', overall = 40
WHERE wave_id = :w AND organisation_id = :ob;
SELECT results_eq(
	format($$SELECT scores, overall FROM export_row WHERE wave_id = %s$$, :w),
	$$VALUES ('{80,0}'::float8[], 40::float8)$$,
	'a submitted response changed in place is exported as it is now');

-- A response inserted as submitted (the demo loader) gets its row.
DELETE FROM response WHERE wave_id = :w AND organisation_id = :oc;
INSERT INTO response (wave_id, organisation_id, answers, revision, state, submitted_at,
	submitted_revision, scores, overall)
	VALUES (:w, :oc, '{"D2.1": {"level": 1}}', 1, 'submitted', now(), 1,
	'{"overall": 25, "dimensions": {"D1": null, "D2": 25}}', 25);
SELECT results_eq(
	format($$SELECT levels, scores FROM export_row WHERE wave_id = %s AND organisation_id = %s$$,
		:w, :oc),
	$$VALUES ('...1.', '{NULL,25}'::float8[])$$,
	'an INSERT of a submitted response writes its row');
SELECT is(current_setting('rg.role'), 'admin', 'the trigger gives back the role it found');

SELECT * FROM finish();
ROLLBACK;
