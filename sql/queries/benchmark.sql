-- Peer snapshots, benchmarks, trends and the coordinators' overview.

-- name: snap_members
-- The submitted responses of a wave with their scores and the attributes
-- that make their peer groups (in the order of snapshot_by in
-- cgi/snapshot.c), by id; with $2/$3 only those of one group.
SELECT r.id, r.organisation_id, r.overall, r.scores -> 'dimensions',
	o.size_class::text, o.urbanisation::text, o.kind, '', o.state
FROM response r JOIN organisation o ON o.id = r.organisation_id
WHERE r.wave_id = $1 AND r.state = 'submitted'
  -- The attribute compared directly (as rg_peer_groups() defines the
  -- groups): three times faster than asking the function for every row.
  AND CASE $2::text
	WHEN 'size_class' THEN o.size_class::text = $3
	WHEN 'urbanisation' THEN o.urbanisation::text = $3
	WHEN 'kind' THEN o.kind = $3
	WHEN 'state' THEN o.state = $3
	WHEN 'network' THEN true
	ELSE $2::text IS NULL END
ORDER BY r.id

-- name: snap_clear
-- Before a renewal: the snapshots of the wave (or of one group, $2/$3) go,
-- so that a group left without any submitted response keeps no figures of
-- responses that have left (and a closed wave no snapshot that is never
-- final).
DELETE FROM peer_snapshot
WHERE wave_id = $1 AND ($2::text IS NULL OR (peer_by = $2 AND peer_value = $3))

-- name: snap_store
INSERT INTO peer_snapshot (wave_id, peer_by, peer_value, n, stats, scores, as_of, final)
VALUES ($1, $2, $3, $4::integer, $5::jsonb, $6::jsonb, now(), $7::boolean)
ON CONFLICT (wave_id, peer_by, peer_value) DO UPDATE SET n = EXCLUDED.n,
	stats = EXCLUDED.stats, scores = EXCLUDED.scores, as_of = now(),
	final = EXCLUDED.final

-- name: snap_ranks_clear
-- Before snap_ranks_insert of a whole wave's ranks.
DELETE FROM snapshot_rank s USING response r
WHERE s.response_id = r.id AND r.wave_id = $1

-- name: snap_ranks_insert
-- $1: [{"response": id, "organisation": id, "ranks": {"size_class": {...},
-- ...}}, ...]
INSERT INTO snapshot_rank (response_id, organisation_id, ranks)
SELECT x.response, x.organisation, x.ranks
FROM json_to_recordset($1::json) AS x (response bigint, organisation bigint,
	ranks jsonb)

-- name: snap_ranks_merge
-- The ranks of one renewed group, merged into each member's row.
INSERT INTO snapshot_rank AS s (response_id, organisation_id, ranks)
SELECT x.response, x.organisation, x.ranks
FROM json_to_recordset($1::json) AS x (response bigint, organisation bigint,
	ranks jsonb)
ON CONFLICT (response_id) DO UPDATE SET ranks = s.ranks || EXCLUDED.ranks

-- name: snap_ranks_drop
-- A reopened response leaves the benchmarks: its ranks go with it.
DELETE FROM snapshot_rank s USING response r
WHERE s.response_id = r.id AND r.wave_id = $1 AND r.organisation_id = $2

-- name: snap_reset_wave
DELETE FROM peer_change WHERE wave_id = $1

-- name: snap_reset
DELETE FROM peer_change WHERE wave_id = $1 AND peer_by = $2 AND peer_value = $3

-- name: snap_touch
-- Counts a submission or reopening of organisation $2 in wave $1 for each
-- of its groups; returns the groups that now need a new snapshot: those
-- with at least k changes since their snapshot, and for large groups at
-- least a twentieth of their size, so that recomputing (which costs in
-- proportion to the group) stays a small share of each submission.
INSERT INTO peer_change AS c (wave_id, peer_by, peer_value, changes)
SELECT $1, g.peer_by, g.peer_value, 1
FROM organisation o, rg_peer_groups(o) g WHERE o.id = $2
ON CONFLICT (wave_id, peer_by, peer_value) DO UPDATE SET changes = c.changes + 1
RETURNING peer_by, peer_value, changes >= greatest(rg_setting_int('k_anonymity', 5),
	(SELECT s.n / 20 FROM peer_snapshot s WHERE s.wave_id = c.wave_id
	  AND s.peer_by = c.peer_by AND s.peer_value = c.peer_value))

-- name: snap_pending
-- The snapshotter's pass: takes up to 10,000 pending submissions (rows
-- another snapshotter holds are skipped), counts them into their groups'
-- change counters, and returns the groups counted, with whether they now
-- need a new snapshot (the threshold of snap_touch). A row whose
-- organisation or wave is gone meanwhile is taken and counts nowhere (the
-- queue has no references: migration 019).
WITH taken AS (
	DELETE FROM peer_pending WHERE id IN (
		SELECT id FROM peer_pending ORDER BY id LIMIT 10000
		FOR UPDATE SKIP LOCKED)
	RETURNING wave_id, organisation_id
), counts AS (
	SELECT t.wave_id, g.peer_by, g.peer_value, count(*)::integer AS n
	FROM taken t JOIN organisation o ON o.id = t.organisation_id
		JOIN wave w ON w.id = t.wave_id,
		rg_peer_groups(o) g
	GROUP BY 1, 2, 3
)
INSERT INTO peer_change AS c (wave_id, peer_by, peer_value, changes)
SELECT wave_id, peer_by, peer_value, n FROM counts
ON CONFLICT (wave_id, peer_by, peer_value) DO UPDATE SET changes = c.changes + EXCLUDED.changes
RETURNING wave_id, peer_by, peer_value, changes >= greatest(rg_setting_int('k_anonymity', 5),
	(SELECT s.n / 20 FROM peer_snapshot s WHERE s.wave_id = c.wave_id
	  AND s.peer_by = c.peer_by AND s.peer_value = c.peer_value))

-- name: snap_unfinal
-- 1 when the wave is closed but has snapshots not yet final, or none.
SELECT rg_wave_state(w) = 'closed' AND (
	EXISTS (SELECT 1 FROM peer_snapshot s WHERE s.wave_id = w.id AND NOT s.final)
	OR NOT EXISTS (SELECT 1 FROM peer_snapshot s WHERE s.wave_id = w.id))
	AND EXISTS (SELECT 1 FROM response r WHERE r.wave_id = w.id AND r.state = 'submitted')
FROM wave w WHERE w.id = $1

-- name: snap_elevate
-- Snapshots are computed in the transaction of whoever submits, reopens
-- or first asks after the wave closed, but over every response of the
-- wave: for that while the transaction acts as the system (rg.role admin,
-- as the SECURITY DEFINER functions of 002 do). Returns the role to go
-- back to with snap_restore.
SELECT coalesce(current_setting('rg.role', true), ''), set_config('rg.role', 'admin', true)

-- name: snap_restore
SELECT set_config('rg.role', $1, true)

-- name: snap_lock
SELECT pg_advisory_xact_lock(7243, $1::integer)

-- name: benchmark
-- Everything a benchmark answer needs besides the snapshots, in one round
-- trip: the caller's organisation and its attributes (which make its peer
-- groups), its submitted scores and targets, its ranks, the wave's
-- questionnaire, whether it is closed, and the generation of its snapshots
-- (the worker holds the snapshots themselves: snap_wave, snapcache.c).
-- Nothing is aggregated and no answer is read (issue 8: every node of this
-- plan costs each request its set-up, so it has few).
SELECT o.id, o.name, r.state, r.scores, r.targets, w.questionnaire_id,
	o.size_class::text, o.urbanisation::text, o.kind, o.state,
	sr.ranks, coalesce((SELECT value::integer FROM setting
		WHERE key = 'k_anonymity'), 5),
	rg_wave_state(w) = 'closed', w.snapshot_generation,
	-- What a worker keeps the answer by (cgi/anscache.c): the versions of
	-- what it is made from, in this snapshot, and when the wave closes.
	coalesce((SELECT v FROM cache_version WHERE kind = 'o' AND id = o.id), 0),
	coalesce((SELECT v FROM cache_version WHERE kind = 'w' AND id = w.id), 0),
	extract(epoch FROM w.closes_at)::bigint
FROM wave w JOIN organisation o ON o.id = rg_org()
LEFT JOIN response r ON r.wave_id = w.id AND r.organisation_id = o.id
LEFT JOIN snapshot_rank sr ON sr.response_id = r.id
WHERE w.id = $1

-- name: cache_check
-- The versions a cached benchmark answer of user $1, organisation $2 and
-- wave $3 was made from, as they are now (cgi/anscache.c): one lookup
-- each, no row-level security, no function.
SELECT coalesce((SELECT v FROM cache_version WHERE kind = 'u' AND id = $1::bigint), 0),
	coalesce((SELECT v FROM cache_version WHERE kind = 'o' AND id = $2::bigint), 0),
	coalesce((SELECT v FROM cache_version WHERE kind = 'w' AND id = $3::bigint), 0)

-- name: snap_wave
-- Every snapshot of a wave, with the generation they belong to (the first
-- row alone, all NULL, when there is none), for snapcache.c.
SELECT w.snapshot_generation, s.peer_by, s.peer_value, s.n, s.stats,
	extract(epoch FROM s.as_of)::bigint, s.final
FROM wave w LEFT JOIN peer_snapshot s ON s.wave_id = w.id
WHERE w.id = $1

-- name: snap_bump
UPDATE wave SET snapshot_generation = snapshot_generation + 1 WHERE id = $1

-- name: snap_scores
-- The sorted scores of one snapshot, for a member submitted after it.
SELECT scores FROM peer_snapshot WHERE wave_id = $1 AND peer_by = $2 AND peer_value = $3

-- name: trend
SELECT w.id, w.title, rg_iso(w.opens_at), q.version, r.scores
FROM response r JOIN wave w ON w.id = r.wave_id
JOIN questionnaire q ON q.id = w.questionnaire_id
WHERE r.organisation_id = $1 AND r.state = 'submitted' AND q.slug = $2
ORDER BY w.opens_at, w.id

-- name: trend_org
SELECT id, name, consent_named FROM organisation WHERE id = $1

-- name: overview_members
SELECT o.id, o.name, o.state, o.size_class, o.consent_named,
	CASE WHEN r.state IS NOT NULL THEN r.state
		WHEN EXISTS (SELECT 1 FROM app_user u WHERE u.organisation_id = o.id)
		  OR EXISTS (SELECT 1 FROM invitation i WHERE i.organisation_id = o.id
			AND i.accepted_at IS NULL AND i.expires_at > now())
		THEN 'invited' ELSE 'not_invited' END,
	coalesce(r.answered, 0),
	CASE WHEN o.consent_named AND r.state = 'submitted' THEN r.scores END
FROM organisation o
LEFT JOIN response r ON r.wave_id = $1 AND r.organisation_id = o.id
WHERE o.member
ORDER BY o.name COLLATE "C", o.id

-- name: overview_wave
SELECT w.id, w.title, rg_iso(w.opens_at), rg_iso(w.closes_at), rg_wave_state(w),
	w.questionnaire_id, s.n, s.stats, s.scores, rg_iso(s.as_of), s.final,
	rg_setting_int('k_anonymity', 5)
FROM wave w
LEFT JOIN peer_snapshot s ON s.wave_id = w.id AND s.peer_by = 'network' AND s.peer_value = ''
WHERE w.id = $1
