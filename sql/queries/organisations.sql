-- Organisations. Row-level security decides who sees which rows.

-- name: org_list
-- Without a search ($1 is NULL: org_search searches); $2..$6 filter and
-- page as in org_search.
SELECT id, key, name, kind, state, population, size_class, urbanisation,
	member, consent_named
FROM organisation
WHERE $1::text IS NULL
  AND ($2::text IS NULL OR state = $2)
  AND ($3::smallint IS NULL OR size_class = $3)
  AND ($4::boolean IS NULL OR member = $4)
  AND ($5::text IS NULL OR (name COLLATE "C", id) > ($5 COLLATE "C", $6::bigint))
ORDER BY name COLLATE "C", id
LIMIT $7

-- name: org_search
-- As org_list, names containing $1 (case-insensitive, % and _ literal):
-- found through organisation_name, whose trigram index the policies of
-- organisation would keep PostgreSQL from using (012_org_search.sql); a
-- separate statement, since with "$1 IS NULL OR" the plan would have to
-- suit both and walks every organisation by name.
SELECT id, key, name, kind, state, population, size_class, urbanisation,
	member, consent_named
FROM organisation
WHERE id IN (SELECT n.id FROM organisation_name n
	WHERE n.name_lower LIKE '%' || replace(replace(replace(lower($1), '!', '!!'), '%', '!%'), '_', '!_') || '%' ESCAPE '!')
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
