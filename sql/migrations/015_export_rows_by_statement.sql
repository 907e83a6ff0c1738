-- 015_export_rows_by_statement: a submitted response's export row (005)
-- is written once per statement for all its rows, not once per row.
--
-- The row trigger rg_export_row_sync cost 131 µs of every submission
-- (measured: 2,000 submitted in one UPDATE, 262 ms in the trigger), about
-- half of what the committer's transaction cost a submission. The row's
-- SQL itself takes a few µs; the rest was the PL/pgSQL call and its five
-- statements, each started and ended again for every row. The committer
-- submits a batch of responses with one UPDATE (013), so one call per
-- statement shares that cost among the batch; the demo loader's and the
-- importer's many rows share it too.
--
-- The rows come from the statement's transition tables. Transition tables
-- cannot be combined with a column list (UPDATE OF ...) or WHEN, so every
-- UPDATE of response calls the function (an autosave batch too); it finds
-- what to do by the states before and after: an export row exists exactly
-- while its response is submitted.

DROP TRIGGER response_export_row_insert ON response;
DROP TRIGGER response_export_row_update ON response;
DROP FUNCTION rg_export_row_sync();

-- Writes the export rows of the statement's submitted responses (changed)
-- and, after an UPDATE, removes those of responses no longer submitted
-- (before: the same rows as they were). The encoding is 005's: levels one
-- character per item in export_layout order ('0'..'4', 'n' for not
-- applicable / don't know, which wins over a level, '.' unanswered),
-- targets '0'..'4' or '.', the dimension scores in layout order.
CREATE FUNCTION rg_export_rows_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	prev text := rg_role();
BEGIN
	-- The committer's submissions bring their rows, computed from the
	-- answers it read (rg_response_submit_batch of 016, which says so for
	-- its own statement only).
	IF current_setting('rg.export_rows', true) = 'written' THEN
		RETURN NULL;
	END IF;
	-- Most statements are autosaves of drafts: one look, and done
	-- (measured: an autosave cost 10 µs more without it).
	-- (before exists only for an UPDATE: a statement of its own.)
	IF NOT EXISTS (SELECT FROM changed WHERE state = 'submitted') THEN
		IF TG_OP = 'INSERT' THEN
			RETURN NULL;
		END IF;
		IF NOT EXISTS (SELECT FROM before WHERE state = 'submitted') THEN
			RETURN NULL;
		END IF;
	END IF;
	PERFORM set_config('rg.role', 'admin', true);
	IF TG_OP = 'UPDATE' THEN
		DELETE FROM export_row WHERE response_id = ANY (ARRAY(
			SELECT c.id FROM changed c JOIN before b ON b.id = c.id
			WHERE b.state = 'submitted' AND c.state <> 'submitted'));
	END IF;
	-- A questionnaire stored before 005 may have no layout yet.
	PERFORM rg_export_layout_store(q.id, q.definition)
	FROM questionnaire q
	WHERE q.id = ANY (ARRAY(SELECT DISTINCT w.questionnaire_id
			FROM changed c JOIN wave w ON w.id = c.wave_id
			WHERE c.state = 'submitted'))
	  AND NOT EXISTS (SELECT FROM export_layout el
			WHERE el.questionnaire_id = q.id);
	-- Each row's layout and organisation by their keys (OFFSET 0 keeps
	-- the planner from joining whole tables to a transition table whose
	-- size it does not know).
	INSERT INTO export_row AS x (response_id, wave_id, organisation_id,
		size_class, kind, urbanisation, state, levels, targets, scores,
		overall)
	SELECT c.id, c.wave_id, o.id, o.size_class, o.kind, o.urbanisation,
		o.state, e.levels, e.targets, e.scores, c.overall
	FROM changed c
	CROSS JOIN LATERAL (SELECT el.items, el.dimensions
		FROM wave w JOIN export_layout el
			ON el.questionnaire_id = w.questionnaire_id
		WHERE w.id = c.wave_id OFFSET 0) l
	CROSS JOIN LATERAL (SELECT o.id, o.size_class, o.kind,
			o.urbanisation, o.state
		FROM organisation o WHERE o.id = c.organisation_id OFFSET 0) o
	CROSS JOIN LATERAL (
		-- One lookup per item in the answers, decompressed once.
		SELECT coalesce(string_agg(CASE
				WHEN i.v -> 'na' = 'true'::jsonb THEN 'n'
				WHEN i.v ->> 'level' IN ('0', '1', '2', '3', '4')
				THEN i.v ->> 'level' ELSE '.' END, '' ORDER BY i.n), '')
				AS levels,
			coalesce(string_agg(CASE
				WHEN i.v ->> 'target' IN ('0', '1', '2', '3', '4')
				THEN i.v ->> 'target' ELSE '.' END, '' ORDER BY i.n), '')
				AS targets,
			ARRAY(SELECT CASE WHEN jsonb_typeof(
					c.scores -> 'dimensions' -> u.dim) = 'number'
				THEN (c.scores -> 'dimensions' ->> u.dim)::double precision END
				FROM unnest(l.dimensions) WITH ORDINALITY u (dim, n)
				ORDER BY u.n) AS scores
		FROM (SELECT a.a -> u.item AS v, u.n
			FROM (SELECT c.answers || '{}'::jsonb AS a OFFSET 0) a,
			unnest(l.items) WITH ORDINALITY u (item, n)) i) e
	WHERE c.state = 'submitted'
	ON CONFLICT (response_id) DO UPDATE SET wave_id = EXCLUDED.wave_id,
		organisation_id = EXCLUDED.organisation_id,
		size_class = EXCLUDED.size_class, kind = EXCLUDED.kind,
		urbanisation = EXCLUDED.urbanisation, state = EXCLUDED.state,
		levels = EXCLUDED.levels, targets = EXCLUDED.targets,
		scores = EXCLUDED.scores, overall = EXCLUDED.overall;
	PERFORM set_config('rg.role', prev, true);
	RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION rg_export_rows_sync() FROM PUBLIC;

CREATE TRIGGER response_export_rows_insert AFTER INSERT ON response
	REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rg_export_rows_sync();
CREATE TRIGGER response_export_rows_update AFTER UPDATE ON response
	REFERENCING OLD TABLE AS before NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rg_export_rows_sync();
