-- 021_export_row_update_by_row: an UPDATE of response no longer gathers
-- transition tables that nearly every UPDATE throws away.
--
-- 015 keeps export rows in step with one statement trigger per UPDATE,
-- which reads the rows before and after from transition tables. PostgreSQL
-- fills those tables for every UPDATE of response, whatever the trigger
-- then does with them, and transition tables allow no WHEN. Yet almost
-- every UPDATE needs nothing: an autosave changes a draft (no export row
-- before or after), and the committer's submissions write their export
-- rows themselves (rg.export_rows, 016 and 019). Measured on the
-- committer's write of 17 submissions (UPDATE alone, prepared, rolled
-- back, the backend's CPU clock): about 145 µs of the call, 8.5 µs a row,
-- went to the tables.
--
-- Now a row trigger does it, and its WHEN lets it run only for the rows
-- that need it: a response submitted before or after the UPDATE, not
-- written by a statement that brings its own export rows. Those are
-- reopenings and an administrator's corrections, one row at a time. The
-- INSERT trigger of 015 stays as it is: the demo's and an import's many
-- rows share one call there.

DROP TRIGGER response_export_rows_update ON response;

-- The export row of response NEW after an UPDATE: gone when it is no
-- longer submitted, written (005's encoding, as 015) when it is.
CREATE FUNCTION rg_export_row_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	prev text := rg_role();
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	IF NEW.state <> 'submitted' THEN
		DELETE FROM export_row WHERE response_id = NEW.id;
		PERFORM set_config('rg.role', prev, true);
		RETURN NULL;
	END IF;
	-- A questionnaire stored before 005 may have no layout yet.
	PERFORM rg_export_layout_store(q.id, q.definition)
	FROM wave w JOIN questionnaire q ON q.id = w.questionnaire_id
	WHERE w.id = NEW.wave_id
	  AND NOT EXISTS (SELECT FROM export_layout el
		WHERE el.questionnaire_id = q.id);
	INSERT INTO export_row AS x (response_id, wave_id, organisation_id,
		size_class, kind, urbanisation, state, levels, targets, scores,
		overall)
	SELECT NEW.id, NEW.wave_id, o.id, o.size_class, o.kind, o.urbanisation,
		o.state, e.levels, e.targets, e.scores, NEW.overall
	FROM wave w JOIN export_layout l ON l.questionnaire_id = w.questionnaire_id
	JOIN organisation o ON o.id = NEW.organisation_id
	CROSS JOIN LATERAL (
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
					NEW.scores -> 'dimensions' -> u.dim) = 'number'
				THEN (NEW.scores -> 'dimensions' ->> u.dim)::double precision END
				FROM unnest(l.dimensions) WITH ORDINALITY u (dim, n)
				ORDER BY u.n) AS scores
		FROM (SELECT NEW.answers -> u.item AS v, u.n
			FROM unnest(l.items) WITH ORDINALITY u (item, n)) i) e
	WHERE w.id = NEW.wave_id
	ON CONFLICT (response_id) DO UPDATE SET wave_id = EXCLUDED.wave_id,
		organisation_id = EXCLUDED.organisation_id,
		size_class = EXCLUDED.size_class, kind = EXCLUDED.kind,
		urbanisation = EXCLUDED.urbanisation, state = EXCLUDED.state,
		levels = EXCLUDED.levels, targets = EXCLUDED.targets,
		scores = EXCLUDED.scores, overall = EXCLUDED.overall;
	PERFORM set_config('rg.role', prev, true);
	RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION rg_export_row_update() FROM PUBLIC;

CREATE TRIGGER response_export_row_update AFTER UPDATE ON response
	FOR EACH ROW
	WHEN ((OLD.state = 'submitted' OR NEW.state = 'submitted')
		AND current_setting('rg.export_rows', true)
			IS DISTINCT FROM 'written')
	EXECUTE FUNCTION rg_export_row_update();
