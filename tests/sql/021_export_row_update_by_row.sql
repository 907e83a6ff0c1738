-- 021_export_row_update_by_row.sql: no UPDATE of response gathers
-- transition tables; the row trigger keeps the export row of a response
-- submitted before or after an UPDATE in step, and leaves drafts and the
-- committer's own writes alone. Everything is rolled back.

BEGIN;
SELECT plan(6);

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000002101', 'Export-021', 'gemeinde', 'Testland-021', 1000, true)
	RETURNING id AS o \gset
INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ('export-021-test', 1, '{"de":"T","en":"T"}',
	'{"dimensions": [{"id": "D1", "items": [{"id": "D1.1"}, {"id": "D1.2"}]}]}',
	decode(repeat('21', 32), 'hex'))
	RETURNING id AS q \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Export-021', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS w \gset
INSERT INTO response (wave_id, organisation_id, answers, revision)
	VALUES (:w, :o, '{"D1.1": {"level": 1}}', 1) RETURNING id AS r \gset

SELECT is_empty($$SELECT tgname FROM pg_trigger
	WHERE tgrelid = 'response'::regclass AND NOT tgisinternal
	  AND (tgtype & 16) <> 0 AND (tgoldtable IS NOT NULL OR tgnewtable IS NOT NULL)$$,
	'no UPDATE trigger of response asks for transition tables');

UPDATE response SET answers = '{"D1.1": {"level": 2}}', revision = 2 WHERE id = :r;
SELECT is((SELECT count(*) FROM export_row WHERE response_id = :r), 0::bigint,
	'an autosave of a draft writes no export row');

UPDATE response SET state = 'submitted', submitted_at = now(), submitted_revision = 2,
	scores = '{"overall": 50, "dimensions": {"D1": 50}}', overall = 50 WHERE id = :r;
SELECT results_eq(
	format($$SELECT levels, targets, scores, overall FROM export_row WHERE response_id = %s$$, :r),
	$$VALUES ('2.', '..', '{50}'::float8[], 50::float8)$$,
	'submitted by an UPDATE: its export row');

-- An administrator's correction of a submitted response.
UPDATE response SET answers = '{"D1.1": {"level": 2}, "D1.2": {"na": true, "target": 3}}'
	WHERE id = :r;
SELECT results_eq(
	format($$SELECT levels, targets FROM export_row WHERE response_id = %s$$, :r),
	$$VALUES ('2n', '.3')$$, 'a corrected answer is in the export row at once');

-- A statement that writes its export rows itself is left alone.
SELECT set_config('rg.export_rows', 'written', true) \gset ignored_
UPDATE response SET overall = 51 WHERE id = :r;
SELECT set_config('rg.export_rows', '', true) \gset ignored_
SELECT is((SELECT overall FROM export_row WHERE response_id = :r), 50::float8,
	'a statement that brings its own export rows is not second-guessed');

-- Reopened: no longer exported.
UPDATE response SET state = 'draft', submitted_at = NULL, submitted_revision = NULL,
	scores = NULL, overall = NULL WHERE id = :r;
SELECT is((SELECT count(*) FROM export_row WHERE response_id = :r), 0::bigint,
	'a reopened response has no export row');

SELECT * FROM finish();
ROLLBACK;
