-- Questionnaires, waves and responses.

-- name: questionnaire_list
-- By slug (byte order) and version; $1, $2 the slug and version of the
-- last row shown (NULL: the first page), $3 rows to fetch.
SELECT id, slug, version, title FROM questionnaire
WHERE $1::text IS NULL
   OR (slug COLLATE "C", version) > ($1 COLLATE "C", $2::integer)
ORDER BY slug COLLATE "C", version
LIMIT $3

-- name: questionnaire_get
SELECT id, definition FROM questionnaire WHERE id = $1

-- name: questionnaire_insert
WITH ins AS (
	INSERT INTO questionnaire (slug, version, title, definition, digest)
	VALUES ($1, $2::integer, $3::jsonb, $4::jsonb, $5::bytea)
	ON CONFLICT (slug, version) DO NOTHING
	RETURNING id, true AS created, digest
)
SELECT id, created, digest = $5::bytea FROM ins
UNION ALL
SELECT id, false, digest = $5::bytea FROM questionnaire
WHERE slug = $1 AND version = $2::integer AND NOT EXISTS (SELECT 1 FROM ins)

-- name: wave_list
-- Newest opening first, then the higher id; $1, $2 the id and opens_at
-- (microseconds since 1970) of the last row shown (NULL: the first page),
-- $3 rows to fetch. The last column is opens_at in microseconds, exact,
-- for the cursor.
SELECT w.id, w.questionnaire_id, w.title, rg_iso(w.opens_at), rg_iso(w.closes_at),
	rg_wave_state(w), (extract(epoch FROM w.opens_at) * 1000000)::bigint
FROM wave w
WHERE $1::bigint IS NULL
   OR (w.opens_at, w.id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond',
	$1::bigint)
ORDER BY w.opens_at DESC, w.id DESC
LIMIT $3

-- name: wave_insert
INSERT INTO wave (questionnaire_id, title, opens_at, closes_at)
SELECT q.id, $2, $3::timestamptz, $4::timestamptz FROM questionnaire q WHERE q.id = $1
RETURNING id, questionnaire_id, title, rg_iso(opens_at), rg_iso(closes_at),
	rg_wave_state(wave)

-- name: wave_update
-- $2 new closes_at or NULL; $3 'open', 'closed' or NULL.
UPDATE wave SET
	opens_at = CASE WHEN $3 = 'open' THEN least(opens_at, now()) ELSE opens_at END,
	closes_at = CASE WHEN $3 = 'closed' THEN least(coalesce($2::timestamptz, closes_at), now())
		ELSE coalesce($2::timestamptz, closes_at) END
WHERE id = $1
RETURNING id, questionnaire_id, title, rg_iso(opens_at), rg_iso(closes_at),
	rg_wave_state(wave)

-- name: response_context
-- The wave, its state and questionnaire, and the caller's response.
SELECT w.questionnaire_id, rg_wave_state(w), coalesce(r.revision, 0),
	coalesce(r.state, 'draft'), r.submitted_revision, r.scores
FROM wave w
LEFT JOIN response r ON r.wave_id = w.id AND r.organisation_id = rg_org()
WHERE w.id = $1

-- name: response_get
-- The tenth column is the number of answered items, kept by response_save_batch
-- (and the demo loader) as questionnaire_progress() counts them.
SELECT w.questionnaire_id, rg_wave_state(w), coalesce(r.state, 'draft'),
	coalesce(r.revision, 0), coalesce(r.answers, '{}'), rg_iso(r.updated_at),
	r.updated_by_name, r.scores, r.submitted_revision, coalesce(r.answered, 0),
	-- What a worker keeps the answer by (cgi/anscache.c): the versions of
	-- what it is made from, in this snapshot, and when the wave opens and
	-- closes (its state changes then).
	coalesce((SELECT v FROM cache_version WHERE kind = 'o' AND id = rg_org()), 0),
	coalesce((SELECT v FROM cache_version WHERE kind = 'w' AND id = w.id), 0),
	extract(epoch FROM w.opens_at)::bigint, extract(epoch FROM w.closes_at)::bigint
FROM wave w
LEFT JOIN response r ON r.wave_id = w.id AND r.organisation_id = rg_org()
WHERE w.id = $1

-- name: committer_limits
-- The first statement of every committer transaction: a row held elsewhere
-- delays every autosave of the batch, so at most 5 s (then the batch fails
-- and each is saved alone); and when the committer dies, its transaction
-- is ended within a second rather than committed once the row is free.
SELECT set_config('lock_timeout', '5s', true),
	set_config('client_connection_check_interval', '1s', true)

-- name: response_save_batch
-- Autosaves, one or many (the committer's batch): see migration 013 for
-- the items, the checks and the status of each. One row per item, in order:
-- n, status, revision, answered, questionnaire_id.
SELECT n, status, revision, answered, questionnaire_id
FROM rg_response_save_batch($1::bytea[], $2::bigint[], $3::integer[],
	$4::bigint[], $5::jsonb[], $6::jsonb[])

-- name: submit_read
-- The submissions of a batch, read on the committer's read connection
-- (migration 019): one row per item, in order: n, status, revision,
-- questionnaire_id, user_id, answers (as rg_response_submit_read of 014
-- and 017), and each item's response and whether its session is due for a
-- touch.
SELECT n, status, revision, questionnaire_id, user_id, answers, response_id,
	touch
FROM rg_submit_read($1::bytea[], $2::bigint[], $3::integer[])

-- name: submit_write
-- The scored submissions of a batch, with the scores and export vectors
-- the committer computed from the answers submit_read gave it (migration
-- 019): rg_response_submit_batch's nine arrays (016), then the responses
-- and the touches submit_read gave.
SELECT n, status, revision, answered, questionnaire_id
FROM rg_submit_write($1::bytea[], $2::bigint[], $3::integer[],
	$4::jsonb[], $5::double precision[], $6::jsonb[], $7::text[], $8::text[],
	$9::text[], $10::bigint[], $11::boolean[])

-- name: response_reopen
UPDATE response SET state = 'draft', submitted_at = NULL, submitted_revision = NULL,
	scores = NULL, overall = NULL, targets = NULL, revision = revision + 1,
	updated_at = now()
WHERE wave_id = $1 AND organisation_id = $2 AND state = 'submitted'
RETURNING revision

-- name: response_exists
SELECT state FROM response WHERE wave_id = $1 AND organisation_id = $2
