-- 016_submit_export_rows: a submission's export row comes with it.
--
-- The statement trigger of 015 computes a submitted response's export row
-- from its answers: about 45 lookups into the jsonb for each of levels and
-- targets, at a fraction of a µs each, most of the committer's database
-- time for a submission (measured: submissions went from 2,700 to 3,700/s
-- with that trigger left out). The committer has the answers parsed
-- already, for the scores; it now computes the export row's vectors as
-- well (cgi/submission.c, 005's encoding, in the definition order that
-- export_layout keeps), and this function writes the row in the statement
-- that submits, while telling the trigger (rg.export_rows) that this
-- statement's rows are written. Every other change of a response is still
-- exported by the trigger. tests/api/test_export.py checks that both
-- encodings agree.
--
-- As 013's, with three more arrays: item i also has p_levels[i],
-- p_codes[i] (the targets' encoding) and p_vector[i] (the dimension scores,
-- a float8[] literal in layout order). The items are judged as the read
-- judged them (rg_submit_judged, 014).

DROP FUNCTION rg_response_submit_batch(bytea[], bigint[], integer[], jsonb[],
	double precision[], jsonb[]);

CREATE FUNCTION rg_response_submit_batch(p_hash bytea[], p_wave bigint[],
	p_rev integer[], p_scores jsonb[], p_overall double precision[],
	p_targets jsonb[], p_levels text[], p_codes text[], p_vector text[])
RETURNS TABLE (n integer, status text, revision integer, answered integer,
	questionnaire_id bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
	PERFORM pg_catalog.set_config('rg.role', 'admin', true),
		pg_catalog.set_config('rg.export_rows', 'written', true);
	RETURN QUERY
	WITH item AS (
		SELECT x.n::integer AS n, x.wave, x.rev, x.sc, x.ov, x.tg, x.lv,
			x.cd, x.vc
		FROM unnest(p_wave, p_rev, p_scores, p_overall, p_targets,
			p_levels, p_codes, p_vector)
			WITH ORDINALITY AS x (wave, rev, sc, ov, tg, lv, cd, vc, n)
	), judged AS (
		-- As the read judged them (014), again in this transaction.
		SELECT i.*, s.uid, s.org, s.uname, s.wq, s.rid, s.cur, s.verdict
		FROM item i
		JOIN public.rg_submit_judged(p_hash, p_wave, p_rev) s ON s.n = i.n
	), first AS (
		SELECT DISTINCT ON (j.wave, j.org) j.n
		FROM judged j WHERE j.verdict = 'submit'
		ORDER BY j.wave, j.org, j.n
	), upd AS (
		UPDATE public.response r SET state = 'submitted',
			submitted_at = pg_catalog.now(), submitted_revision = r.revision,
			scores = j.sc, overall = j.ov, targets = j.tg
		FROM judged j JOIN first f ON f.n = j.n
		WHERE j.rid IS NOT NULL AND r.id = j.rid
		  AND r.revision = j.rev AND r.state = 'draft'
		RETURNING r.id, r.wave_id, r.organisation_id, r.revision, r.overall
	), ins AS (
		INSERT INTO public.response AS r (wave_id, organisation_id, state,
			revision, submitted_at, submitted_revision, scores, overall,
			targets, updated_by, updated_by_name)
		SELECT j.wave, j.org, 'submitted', 0, pg_catalog.now(), 0, j.sc,
			j.ov, j.tg, j.uid, coalesce(j.uname, '')
		FROM judged j JOIN first f ON f.n = j.n
		WHERE j.rid IS NULL AND j.rev = 0
		ON CONFLICT (wave_id, organisation_id) DO NOTHING
		RETURNING r.id, r.wave_id, r.organisation_id, r.revision, r.overall
	), done AS (
		SELECT * FROM upd UNION ALL SELECT * FROM ins
	), exported AS (
		-- The export row of each (005), with the organisation's
		-- attributes as they are now.
		INSERT INTO public.export_row AS x (response_id, wave_id,
			organisation_id, size_class, kind, urbanisation, state,
			levels, targets, scores, overall)
		SELECT d.id, d.wave_id, o.id, o.size_class, o.kind, o.urbanisation,
			o.state, j.lv, j.cd, j.vc::double precision[], d.overall
		FROM done d
		JOIN judged j ON j.wave = d.wave_id AND j.org = d.organisation_id
		JOIN first f ON f.n = j.n
		JOIN public.organisation o ON o.id = d.organisation_id
		ON CONFLICT (response_id) DO UPDATE SET wave_id = EXCLUDED.wave_id,
			organisation_id = EXCLUDED.organisation_id,
			size_class = EXCLUDED.size_class, kind = EXCLUDED.kind,
			urbanisation = EXCLUDED.urbanisation, state = EXCLUDED.state,
			levels = EXCLUDED.levels, targets = EXCLUDED.targets,
			scores = EXCLUDED.scores, overall = EXCLUDED.overall
	), pending AS (
		-- For the snapshotter (cgi/snapshotter.c), as response_submit.
		INSERT INTO public.peer_pending (wave_id, organisation_id)
		SELECT d.wave_id, d.organisation_id FROM done d
	)
	SELECT j.n, CASE WHEN j.verdict <> 'submit' THEN j.verdict
			WHEN f.n IS NULL THEN 'again'
			WHEN d.revision IS NULL THEN 'race'
			ELSE 'ok' END,
		coalesce(d.revision, j.cur), NULL::integer, j.wq
	FROM judged j
	LEFT JOIN first f ON f.n = j.n
	LEFT JOIN done d ON f.n IS NOT NULL AND d.wave_id = j.wave
		AND d.organisation_id = j.org
	ORDER BY j.n;
	PERFORM pg_catalog.set_config('rg.export_rows', '', true),
		pg_catalog.set_config('rg.role', '', true);
END $$;
REVOKE ALL ON FUNCTION rg_response_submit_batch(bytea[], bigint[], integer[],
	jsonb[], double precision[], jsonb[], text[], text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_response_submit_batch(bytea[], bigint[], integer[],
	jsonb[], double precision[], jsonb[], text[], text[], text[]) TO reifegrad_app;
