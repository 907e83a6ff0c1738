-- 012_org_search.sql: organisation_name, the search's copy of the names
-- (012_org_search.sql), follows every insert, rename and deletion; the
-- application reads it and cannot change it, and a search through it
-- still shows only the organisations the caller may see. Rolled back.

BEGIN;
SELECT plan(8);

SELECT set_config('rg.role', 'admin', true) \gset ignored_
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001201', 'Suche-012-Gemeinde ÄÖÜ', 'gemeinde', 'Testland-012', 1000, true)
	RETURNING id AS org \gset
INSERT INTO organisation (key, name, kind, state, population, member)
	VALUES ('980000001202', 'Suche-012-Stadt', 'stadt', 'Testland-012', 20000, true)
	RETURNING id AS other \gset

SELECT is((SELECT name_lower FROM organisation_name WHERE id = :org), 'suche-012-gemeinde äöü',
	'a new organisation''s name is there, lowered');
UPDATE organisation SET name = 'Suche-012-Markt' WHERE id = :org;
SELECT is((SELECT name_lower FROM organisation_name WHERE id = :org), 'suche-012-markt',
	'a rename follows');
UPDATE organisation SET population = 2000 WHERE id = :org;
SELECT is((SELECT name_lower FROM organisation_name WHERE id = :org), 'suche-012-markt',
	'other changes leave it');
SELECT is((SELECT count(*)::int FROM organisation o JOIN organisation_name n USING (id)
	WHERE n.name_lower <> lower(o.name)), 0, 'every name is in step');
SELECT is((SELECT count(*)::int FROM organisation o
	WHERE NOT EXISTS (SELECT 1 FROM organisation_name n WHERE n.id = o.id)), 0,
	'every organisation is there');
DELETE FROM organisation WHERE id = :org;
SELECT is((SELECT count(*)::int FROM organisation_name WHERE id = :org), 0, 'a deletion follows');

SET ROLE reifegrad_app;
SELECT throws_ok($$UPDATE organisation_name SET name_lower = 'x'$$, '42501', NULL,
	'the application cannot change the names');
-- A respondent of another organisation: the search's ids lead to nothing
-- the policies hide.
SELECT set_config('rg.role', 'respondent', true) \gset ignored_
SELECT set_config('rg.org_id', '0', true) \gset ignored_
SELECT is((SELECT count(*)::int FROM organisation WHERE id IN
	(SELECT id FROM organisation_name WHERE name_lower LIKE '%suche-012%')), 0,
	'a search shows only what the caller may see');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
