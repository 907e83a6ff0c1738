-- 012_org_search: an organisation search that uses its trigram index.
--
-- Under row-level security PostgreSQL applies a table's policies before any
-- condition whose operator is not leakproof, and LIKE is not: the search of
-- GET /organisations?q= read every organisation and lowered every name (7 ms
-- for the 10,800 municipalities of Germany, about ten times that with the
-- Eurostat LAU register imported), and organisation_name_trgm was never
-- used. The names are kept also here, lowered, in a table without policies
-- that answers only which ids have a name containing what is searched; the
-- organisations themselves are then read by id, under their policies, so
-- that a search still shows only what the caller may see. The names are
-- those of public bodies as the public registers list them; nothing else
-- about an organisation (membership, consent, answers) is here.
CREATE TABLE organisation_name (
	id bigint PRIMARY KEY REFERENCES organisation (id) ON DELETE CASCADE,
	name_lower text NOT NULL
);
CREATE INDEX organisation_name_lower_trgm ON organisation_name
	USING gin (name_lower gin_trgm_ops);
INSERT INTO organisation_name (id, name_lower)
SELECT id, lower(name) FROM organisation;
GRANT SELECT ON organisation_name TO reifegrad_app;

-- Kept in step by the organisation's own writes (deletes cascade): once per
-- statement, from its transition table, so that a register import of
-- 100,000 rows costs one statement more, not 100,000 calls.
CREATE FUNCTION rg_organisation_names() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
	INSERT INTO public.organisation_name AS n (id, name_lower)
	SELECT c.id, lower(c.name) FROM changed c
	ON CONFLICT (id) DO UPDATE SET name_lower = EXCLUDED.name_lower
	WHERE n.name_lower IS DISTINCT FROM EXCLUDED.name_lower;
	RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION rg_organisation_names() FROM PUBLIC;
CREATE TRIGGER organisation_name_insert AFTER INSERT ON organisation
	REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rg_organisation_names();
CREATE TRIGGER organisation_name_update AFTER UPDATE ON organisation
	REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rg_organisation_names();

-- Never usable under the policies (see above).
DROP INDEX organisation_name_trgm;
