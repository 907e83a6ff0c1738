-- Organisations. Row-level security decides who sees which rows.

-- name: org_list
SELECT id, key, name, kind, state, population, size_class, urbanisation,
	member, consent_named
FROM organisation
WHERE ($1::text IS NULL OR lower(name) LIKE '%' || replace(replace(replace(lower($1), '!', '!!'), '%', '!%'), '_', '!_') || '%' ESCAPE '!')
  AND ($2::text IS NULL OR state = $2)
  AND ($3::smallint IS NULL OR size_class = $3)
  AND ($4::boolean IS NULL OR member = $4)
  AND ($5::text IS NULL OR (name COLLATE "C", id) > ($5 COLLATE "C", $6::bigint))
ORDER BY name COLLATE "C", id
LIMIT $7

-- name: org_get
SELECT id, key, name, kind, state, population, size_class, urbanisation,
	member, consent_named, country, area_km2
FROM organisation WHERE id = $1

-- name: org_create
INSERT INTO organisation (key, name, kind, state, population, urbanisation,
	member, consent_named, country, area_km2)
VALUES ($1, $2, $3, $4, $5::integer, $6::smallint, $7::boolean, $8::boolean,
	$9, $10::numeric)
RETURNING id, key, name, kind, state, population, size_class, urbanisation,
	member, consent_named, country, area_km2

-- name: org_member
SELECT member FROM organisation WHERE id = $1
