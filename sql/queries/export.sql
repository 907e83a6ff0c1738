-- Research exports (cgi/h_export.c; 005_exports.sql explains the
-- functions). Every export runs in one REPEATABLE READ transaction, so the
-- combinations counted for k-anonymity and the rows streamed come from
-- the same snapshot.

-- name: export_context
-- The wave, its questionnaire and export layout, k, and the current
-- export key (NULLs when there is none yet). No row: no such wave.
SELECT w.id, w.title, rg_wave_state(w), w.questionnaire_id,
	rg_setting_int('k_anonymity', 5), l.items, l.dimensions, k.key_id, k.key
FROM wave w
LEFT JOIN export_layout l ON l.questionnaire_id = w.questionnaire_id
LEFT JOIN rg_export_key() k ON true
WHERE w.id = $1

-- name: export_key_init
-- The first export ever: $1 (32 random bytes) becomes the key unless a
-- concurrent request stored one first.
SELECT key_id, key FROM rg_export_key_init($1::bytea)

-- name: export_combinations
-- Every combination of the attributes (level 0) among the wave's
-- submitted responses, with its count.
SELECT size_class::text, kind, urbanisation::text, state, count(*)
FROM export_row WHERE wave_id = $1
GROUP BY 1, 2, 3, 4

-- name: export_rows
-- The rows of an export, declared as a holdable cursor (h_export.c): the
-- organisation id (for the pseudonym only), the attributes, levels,
-- targets and scores. The order is a keyed hash ($2 derives from the
-- export key), so it says nothing about when an organisation joined or
-- submitted, changes with the key, and is the same for every export of
-- the wave with one key.
SELECT organisation_id, size_class::text, kind, urbanisation::text, state,
	levels, targets, scores, overall
FROM export_row WHERE wave_id = $1
ORDER BY md5($2::bytea || int8send(organisation_id)) COLLATE "C", organisation_id

-- name: export_audit
INSERT INTO audit_log (actor_id, action, detail)
VALUES (rg_user(), 'export', jsonb_build_object('wave', $1::bigint,
	'format', $2::text, 'rows', $3::bigint, 'suppressed', $4::bigint,
	'generalisation_level', $5::integer, 'k', $6::integer,
	'key_id', $7::bigint))
