-- 018_export_row_keys.sql: an export row goes with its response, also when
-- its organisation is erased, without references of its own to wave and
-- organisation. Everything is rolled back.

BEGIN;
SELECT plan(4);

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001801', 'Keys-018-A', 'gemeinde', 'Testland-018', 1000, true)
	RETURNING id AS oa \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001802', 'Keys-018-B', 'gemeinde', 'Testland-018', 1000, true)
	RETURNING id AS ob \gset
INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ('keys-018-test', 1, '{"de":"T","en":"T"}',
	'{"dimensions": [{"id": "D1", "items": [{"id": "D1.1"}]}]}',
	decode(repeat('18', 32), 'hex'))
	RETURNING id AS q \gset
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
	VALUES (:q, 'Keys-018', now() - interval '1 day', now() + interval '1 day')
	RETURNING id AS w \gset
-- Two submitted responses: the trigger of 015 writes their export rows.
INSERT INTO response (wave_id, organisation_id, answers, revision, state, submitted_at,
	submitted_revision, scores, overall) VALUES
	(:w, :oa, '{"D1.1": {"level": 3}}', 1, 'submitted', now(), 1, '{"overall": 75}', 75),
	(:w, :ob, '{"D1.1": {"level": 1}}', 1, 'submitted', now(), 1, '{"overall": 25}', 25);

SELECT is((SELECT count(*) FROM export_row x JOIN response r ON r.id = x.response_id
	WHERE x.wave_id = :w AND r.wave_id = x.wave_id
	  AND r.organisation_id = x.organisation_id), 2::bigint,
	'each export row names its response''s wave and organisation');
DELETE FROM organisation WHERE id = :oa;
SELECT is((SELECT count(*) FROM export_row WHERE organisation_id = :oa), 0::bigint,
	'an erased organisation''s export rows go with its responses');
SELECT is((SELECT count(*) FROM export_row WHERE organisation_id = :ob), 1::bigint,
	'and nobody else''s');
SELECT is((SELECT array_agg(conname::text ORDER BY conname) FROM pg_constraint
	WHERE conrelid = 'export_row'::regclass AND contype = 'f'),
	ARRAY['export_row_response_id_fkey'],
	'the response is its only reference');

SELECT * FROM finish();
ROLLBACK;
