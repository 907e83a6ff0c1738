-- Peer snapshots, benchmarks, trends and the coordinators' overview.

-- name: snap_members
-- The submitted responses of a wave with their scores and the attributes
-- that make their peer groups (in the order of snapshot_by in
-- cgi/snapshot.c), by id; with $2/$3 only those of one group.
SELECT r.id, r.organisation_id, r.overall, r.scores -> 'dimensions',
	o.size_class::text, o.urbanisation::text, o.kind, '', o.state
FROM response r JOIN organisation o ON o.id = r.organisation_id
WHERE r.wave_id = $1 AND r.state = 'submitted'
  AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM rg_peer_groups(o) g
	WHERE g.peer_by = $2 AND g.peer_value = $3))
ORDER BY r.id

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
-- of its groups; returns the groups that now need a new snapshot.
INSERT INTO peer_change AS c (wave_id, peer_by, peer_value, changes)
SELECT $1, g.peer_by, g.peer_value, 1
FROM organisation o, rg_peer_groups(o) g WHERE o.id = $2
ON CONFLICT (wave_id, peer_by, peer_value) DO UPDATE SET changes = c.changes + 1
RETURNING peer_by, peer_value, changes >= rg_setting_int('k_anonymity', 5)

-- name: snap_unfinal
-- 1 when the wave is closed but has snapshots not yet final, or none.
SELECT rg_wave_state(w) = 'closed' AND (
	EXISTS (SELECT 1 FROM peer_snapshot s WHERE s.wave_id = w.id AND NOT s.final)
	OR NOT EXISTS (SELECT 1 FROM peer_snapshot s WHERE s.wave_id = w.id))
	AND EXISTS (SELECT 1 FROM response r WHERE r.wave_id = w.id AND r.state = 'submitted')
FROM wave w WHERE w.id = $1

-- name: snap_lock
SELECT pg_advisory_xact_lock(7243, $1::integer)

-- name: setting_k
SELECT rg_setting_int('k_anonymity', 5)
