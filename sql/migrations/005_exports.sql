-- 005_exports: what research exports need (API.md "Research exports").
--
-- 1. The pseudonymisation key. A row's pseudonym is a keyed BLAKE2b hash
--    of its organisation id (cgi/anon.c), so the program needs the key
--    itself, not a hash of it. It lives in export_key, which the program's
--    role cannot read or write at all: only the SECURITY DEFINER functions
--    rg_export_key() and rg_export_key_init() below hand it out, and only
--    to a request whose identity is a researcher or an admin. A plain
--    grant would let every statement of every request read the key; the
--    function keeps it to the one query of the export that needs it.
--    Rotating (`reifegrad-admin export-key rotate`, as the owner) retires
--    the current key and destroys its bytes: pseudonyms made with it can
--    no longer be reproduced, nor linked to the new ones. The id of a key
--    stays, so a codebook can say which key made its pseudonyms.
-- 2. export_row: per submitted response, what an export may carry and
--    nothing more: the organisation's coarse attributes (size class, kind,
--    urbanisation, state; no name, key, population or area), the levels,
--    targets and scores in questionnaire order, and the organisation id
--    (for the pseudonym only; never exported). Triggers keep it in step:
--    a response that becomes submitted gets its row, one that is reopened
--    loses it, and a changed organisation updates its rows. Researchers
--    read export_row, not organisations (which row-level security keeps
--    from them). An export is one scan of one narrow table: reading 45
--    items out of every answers document and joining organisations at
--    export time cost several times the whole budget of 2 s per 100,000
--    responses (measured), and so did writing levels as smallint[]
--    (PostgreSQL's array output costs ~5 us per row; a string of one
--    character per item costs nothing).
--
-- Exports are audited in audit_log with action 'export' (cgi/h_export.c).

CREATE TABLE export_key (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- 32 random bytes from libsodium; NULL once the key is retired.
	key bytea CHECK (key IS NULL OR length(key) = 32),
	created_at timestamptz NOT NULL DEFAULT now(),
	retired_at timestamptz,
	CHECK ((retired_at IS NULL) = (key IS NOT NULL))
);
-- At most one current key.
CREATE UNIQUE INDEX export_key_current ON export_key ((true)) WHERE retired_at IS NULL;
REVOKE ALL ON export_key FROM PUBLIC;

-- The current key (id and bytes), or no row when there is none yet. Only
-- for researchers and admins (42501 otherwise).
CREATE FUNCTION rg_export_key() RETURNS TABLE (key_id bigint, key bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF rg_role() NOT IN ('researcher', 'admin') THEN
		RAISE EXCEPTION 'export keys are for researchers and admins'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN QUERY SELECT k.id, k.key FROM export_key k WHERE k.retired_at IS NULL;
END $$;

-- The first key ever: stores p_key (32 bytes from the program's libsodium)
-- when there is no current key, and returns the current key.
CREATE FUNCTION rg_export_key_init(p_key bytea) RETURNS TABLE (key_id bigint, key bytea)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF rg_role() NOT IN ('researcher', 'admin') THEN
		RAISE EXCEPTION 'export keys are for researchers and admins'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	INSERT INTO export_key (key) VALUES (p_key)
	ON CONFLICT ((true)) WHERE retired_at IS NULL DO NOTHING;
	RETURN QUERY SELECT k.id, k.key FROM export_key k WHERE k.retired_at IS NULL;
END $$;

REVOKE ALL ON FUNCTION rg_export_key(), rg_export_key_init(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_export_key(), rg_export_key_init(bytea) TO reifegrad_app;

-- The item ids and dimension ids of a questionnaire in definition order:
-- the order of the export vectors and of the export's columns.
CREATE TABLE export_layout (
	questionnaire_id bigint PRIMARY KEY REFERENCES questionnaire (id),
	items text[] NOT NULL,
	dimensions text[] NOT NULL
);

CREATE FUNCTION rg_export_layout_store(p_questionnaire bigint, p_def jsonb)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO export_layout (questionnaire_id, items, dimensions)
	SELECT p_questionnaire,
		coalesce((SELECT array_agg(it.item ->> 'id' ORDER BY d.n, it.n)
			FROM jsonb_array_elements(p_def -> 'dimensions') WITH ORDINALITY d (dim, n),
			     jsonb_array_elements(d.dim -> 'items') WITH ORDINALITY it (item, n)), '{}'),
		coalesce((SELECT array_agg(d.dim ->> 'id' ORDER BY d.n)
			FROM jsonb_array_elements(p_def -> 'dimensions') WITH ORDINALITY d (dim, n)), '{}')
	ON CONFLICT (questionnaire_id) DO NOTHING
$$;

CREATE FUNCTION rg_questionnaire_layout() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM rg_export_layout_store(NEW.id, NEW.definition);
	RETURN NULL;
END $$;
CREATE TRIGGER questionnaire_layout AFTER INSERT ON questionnaire
	FOR EACH ROW EXECUTE FUNCTION rg_questionnaire_layout();

SELECT rg_export_layout_store(id, definition) FROM questionnaire;

-- One row per submitted response. levels: one character per item in
-- export_layout order, '0'..'4' the level, 'n' not applicable / don't
-- know (na = true wins over a level, as in cgi/score.c), '.' unanswered;
-- targets: '0'..'4' or '.'; scores: the dimension scores in layout order
-- (NULL where a dimension has none), as stored at submission.
CREATE TABLE export_row (
	response_id bigint PRIMARY KEY REFERENCES response (id) ON DELETE CASCADE,
	wave_id bigint NOT NULL REFERENCES wave (id) ON DELETE CASCADE,
	organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
	size_class smallint,
	kind text NOT NULL,
	urbanisation smallint,
	state text NOT NULL,
	levels text NOT NULL,
	targets text NOT NULL,
	scores double precision[] NOT NULL,
	overall double precision
);
CREATE INDEX export_row_wave ON export_row (wave_id);
CREATE INDEX export_row_organisation ON export_row (organisation_id);

ALTER TABLE export_row ENABLE ROW LEVEL SECURITY;
ALTER TABLE export_row FORCE ROW LEVEL SECURITY;
CREATE POLICY export_row_read ON export_row FOR SELECT
	USING (rg_role() IN ('researcher', 'admin'));
-- Written only by the trigger functions below (as the owner, rg.role
-- raised to admin for their own statements).
CREATE POLICY export_row_write ON export_row FOR ALL
	USING (rg_role() = 'admin') WITH CHECK (rg_role() = 'admin');

-- Writes (or removes) the export row of response NEW.
CREATE FUNCTION rg_export_row_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	prev text := rg_role();
	l export_layout;
	-- An uncompressed copy: every lookup in a compressed value would
	-- decompress it again (measured: twice as slow).
	a jsonb := NEW.answers || '{}'::jsonb;
	d jsonb := NEW.scores -> 'dimensions';
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	IF NEW.state <> 'submitted' THEN
		DELETE FROM export_row WHERE response_id = NEW.id;
		PERFORM set_config('rg.role', prev, true);
		RETURN NULL;
	END IF;
	SELECT el.* INTO l FROM wave w JOIN export_layout el
		ON el.questionnaire_id = w.questionnaire_id WHERE w.id = NEW.wave_id;
	IF NOT FOUND THEN
		PERFORM rg_export_layout_store(q.id, q.definition)
		FROM wave w JOIN questionnaire q ON q.id = w.questionnaire_id
		WHERE w.id = NEW.wave_id;
		SELECT el.* INTO l FROM wave w JOIN export_layout el
			ON el.questionnaire_id = w.questionnaire_id WHERE w.id = NEW.wave_id;
	END IF;
	INSERT INTO export_row AS x (response_id, wave_id, organisation_id, size_class,
		kind, urbanisation, state, levels, targets, scores, overall)
	SELECT NEW.id, NEW.wave_id, o.id, o.size_class, o.kind, o.urbanisation, o.state,
		coalesce((SELECT string_agg(CASE
				WHEN a -> u.item -> 'na' = 'true'::jsonb THEN 'n'
				WHEN (a -> u.item ->> 'level') IN ('0', '1', '2', '3', '4')
				THEN a -> u.item ->> 'level' ELSE '.' END, '' ORDER BY u.n)
			FROM unnest(l.items) WITH ORDINALITY u (item, n)), ''),
		coalesce((SELECT string_agg(CASE
				WHEN (a -> u.item ->> 'target') IN ('0', '1', '2', '3', '4')
				THEN a -> u.item ->> 'target' ELSE '.' END, '' ORDER BY u.n)
			FROM unnest(l.items) WITH ORDINALITY u (item, n)), ''),
		ARRAY(SELECT CASE WHEN jsonb_typeof(d -> u.dim) = 'number'
				THEN (d ->> u.dim)::double precision END
			FROM unnest(l.dimensions) WITH ORDINALITY u (dim, n) ORDER BY u.n),
		NEW.overall
	FROM organisation o WHERE o.id = NEW.organisation_id
	ON CONFLICT (response_id) DO UPDATE SET wave_id = EXCLUDED.wave_id,
		organisation_id = EXCLUDED.organisation_id,
		size_class = EXCLUDED.size_class, kind = EXCLUDED.kind,
		urbanisation = EXCLUDED.urbanisation, state = EXCLUDED.state,
		levels = EXCLUDED.levels, targets = EXCLUDED.targets,
		scores = EXCLUDED.scores, overall = EXCLUDED.overall;
	PERFORM set_config('rg.role', prev, true);
	RETURN NULL;
END $$;

CREATE TRIGGER response_export_row_insert AFTER INSERT ON response
	FOR EACH ROW WHEN (NEW.state = 'submitted')
	EXECUTE FUNCTION rg_export_row_sync();
CREATE TRIGGER response_export_row_update
	AFTER UPDATE OF state, answers, scores, overall ON response
	FOR EACH ROW WHEN (NEW.state = 'submitted' OR OLD.state = 'submitted')
	EXECUTE FUNCTION rg_export_row_sync();

-- A changed organisation: its export rows follow.
CREATE FUNCTION rg_export_row_organisation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	prev text := rg_role();
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	UPDATE export_row SET size_class = NEW.size_class, kind = NEW.kind,
		urbanisation = NEW.urbanisation, state = NEW.state
	WHERE organisation_id = NEW.id;
	PERFORM set_config('rg.role', prev, true);
	RETURN NULL;
END $$;

CREATE TRIGGER organisation_export_row AFTER UPDATE ON organisation
	FOR EACH ROW WHEN (OLD.size_class IS DISTINCT FROM NEW.size_class
		OR OLD.kind IS DISTINCT FROM NEW.kind
		OR OLD.urbanisation IS DISTINCT FROM NEW.urbanisation
		OR OLD.state IS DISTINCT FROM NEW.state)
	EXECUTE FUNCTION rg_export_row_organisation();

REVOKE ALL ON FUNCTION rg_export_row_sync(), rg_export_row_organisation() FROM PUBLIC;

-- The responses submitted before this migration.
UPDATE response SET state = state WHERE state = 'submitted';

GRANT SELECT, INSERT ON export_layout TO reifegrad_app;
GRANT SELECT ON export_row TO reifegrad_app;
