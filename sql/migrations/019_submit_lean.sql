-- 019_submit_lean: the committer's read and write of submissions, each one
-- statement without functions inside.
--
-- The write (rg_response_submit_batch of 016) judged every item again
-- through rg_submit_judged and rg_batch_sessions: two nested functions,
-- each a plan of its own to start on every call, and a plan of nine nodes
-- around them. Its cost was mostly that start: about 525 µs of backend CPU
-- a call whatever it held, then 76 µs an item (measured with the backend's
-- own CPU clock around a prepared call, rolled back). The write is the
-- committer's critical path: the next batch waits for it.
--
-- The read now also gives each item's response (its id) and whether its
-- session is due for a touch (seen more than a minute ago). The write then
-- updates those responses by id, and submits only where everything the
-- read judged still holds, in its own transaction:
--   the session is valid (not expired, not idle), its user is still a
--   respondent of the response's organisation, the wave is open, and the
--   response is a draft at the revision that was scored.
-- An item where any of that no longer holds is answered 'race': the
-- committer sends it again, and the next read judges it afresh (as a
-- submission that lost a race with a change was already). The sessions due
-- are touched in the same transaction, once a minute, as before.
-- Measured (same method): about 340 µs a call and 64 µs an item.
--
-- Two costs of every submitted row go as well (17 items a call: 1,520 →
-- 1,240 µs, each VACUUMed before):
-- - The row trigger cache_changed (011) ran a function for each response
--   written, each an upsert of its organisation's cache version. The write
--   now counts its organisations up in one statement, and tells the
--   trigger so (rg.cache_versions, as rg.export_rows for 015's trigger):
--   its WHEN condition leaves the function uncalled.
-- - peer_pending's references to wave and organisation (010) were checked
--   for every row queued, a lookup and a row lock each. The queue only
--   names whom the snapshotter counts next: it skips an organisation or a
--   wave that is gone (snap_pending joins both), and deletes the row.
--
-- An item whose response has no row yet (no answer was ever saved, rare)
-- has no id: a batch with one goes whole through rg_response_submit_batch
-- (016), which inserts it.

ALTER TABLE peer_pending
	DROP CONSTRAINT peer_pending_wave_id_fkey,
	DROP CONSTRAINT peer_pending_organisation_id_fkey;

DROP TRIGGER cache_changed ON response;
CREATE TRIGGER cache_changed AFTER INSERT OR UPDATE OR DELETE ON response
	FOR EACH ROW
	WHEN (pg_catalog.current_setting('rg.cache_versions', true)
		IS DISTINCT FROM 'written')
	EXECUTE FUNCTION rg_cache_changed();

-- As rg_response_submit_read (014, 017), with two columns more:
-- response_id (NULL when the response has no row yet) and touch.
CREATE FUNCTION rg_submit_read(p_hash bytea[], p_wave bigint[],
	p_rev integer[])
RETURNS TABLE (n integer, status text, revision integer,
	questionnaire_id bigint, user_id bigint, answers jsonb,
	response_id bigint, touch boolean)
LANGUAGE plpgsql SECURITY DEFINER
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
	PERFORM pg_catalog.set_config('rg.role', 'admin', true);
	RETURN QUERY
	WITH item AS (
		SELECT x.n::integer AS n, x.h, x.wave, x.rev
		FROM unnest(p_hash, p_wave, p_rev) WITH ORDINALITY AS x (h, wave, rev, n)
	), seen AS (
		SELECT i.n, i.rev, u.id AS uid, u.role, u.organisation_id AS org,
			se.last_seen_at AS seen_at, w.questionnaire_id AS wq,
			CASE WHEN w.id IS NOT NULL THEN public.rg_wave_state(w) END AS wst,
			r.id AS rid, r.state AS rstate, coalesce(r.revision, 0) AS cur,
			r.answers
		FROM item i
		LEFT JOIN (public.session se
			JOIN public.app_user u ON u.id = se.user_id)
			ON se.token_hash = i.h AND se.expires_at > pg_catalog.now()
			AND se.last_seen_at > pg_catalog.now() - pg_catalog.make_interval(
				mins => coalesce((SELECT st.value::integer
					FROM public.setting st
					WHERE st.key = 'session_idle_minutes'), 60))
		LEFT JOIN public.wave w ON w.id = i.wave
		LEFT JOIN public.response r ON r.wave_id = i.wave
			AND r.organisation_id = u.organisation_id
	), judged AS (
		SELECT s.*, CASE
			WHEN s.uid IS NULL THEN 'unauthenticated'
			WHEN s.role <> 'respondent' OR s.org IS NULL THEN 'forbidden'
			WHEN s.wst IS NULL THEN 'not_found'
			WHEN s.rstate = 'submitted' THEN 'submitted'
			WHEN s.wst <> 'open' THEN s.wst
			WHEN s.cur <> s.rev THEN 'stale'
			ELSE 'read' END AS verdict
		FROM seen s
	)
	SELECT j.n, j.verdict, j.cur,
		CASE WHEN j.verdict NOT IN ('unauthenticated', 'forbidden')
			THEN j.wq END,
		j.uid,
		CASE WHEN j.verdict = 'read' THEN coalesce(j.answers, '{}') END,
		CASE WHEN j.verdict = 'read' THEN j.rid END,
		j.verdict = 'read' AND j.seen_at < pg_catalog.now() - interval '1 minute'
	FROM judged j
	ORDER BY j.n;
	PERFORM pg_catalog.set_config('rg.role', '', true);
END $$;
REVOKE ALL ON FUNCTION rg_submit_read(bytea[], bigint[], integer[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_submit_read(bytea[], bigint[], integer[])
	TO reifegrad_app;

-- The write: 016's nine arrays, then p_rid (each item's response_id from
-- the read) and p_touch (its touch). One row per item, in order, as 016's:
-- n, status ('ok' or 'race' here), revision, answered (NULL),
-- questionnaire_id (the wave's, for those submitted).
CREATE FUNCTION rg_submit_write(p_hash bytea[], p_wave bigint[],
	p_rev integer[], p_scores jsonb[], p_overall double precision[],
	p_targets jsonb[], p_levels text[], p_codes text[], p_vector text[],
	p_rid bigint[], p_touch boolean[])
RETURNS TABLE (n integer, status text, revision integer, answered integer,
	questionnaire_id bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
	IF pg_catalog.array_position(p_rid, NULL) IS NOT NULL THEN
		RETURN QUERY SELECT * FROM public.rg_response_submit_batch(p_hash,
			p_wave, p_rev, p_scores, p_overall, p_targets, p_levels,
			p_codes, p_vector);
		RETURN;
	END IF;
	PERFORM pg_catalog.set_config('rg.role', 'admin', true),
		pg_catalog.set_config('rg.export_rows', 'written', true),
		pg_catalog.set_config('rg.cache_versions', 'written', true);
	IF true = ANY (p_touch) THEN
		UPDATE public.session se SET last_seen_at = pg_catalog.now()
		FROM unnest(p_hash, p_touch) AS x (h, due)
		WHERE x.due AND se.token_hash = x.h
		  AND se.last_seen_at < pg_catalog.now() - interval '1 minute';
	END IF;
	RETURN QUERY
	WITH item AS (
		SELECT x.n::integer AS n, x.h, x.rid, x.rev, x.sc, x.ov, x.tg,
			x.lv, x.cd, x.vc
		FROM unnest(p_hash, p_rid, p_rev, p_scores, p_overall, p_targets,
			p_levels, p_codes, p_vector)
			WITH ORDINALITY AS x (h, rid, rev, sc, ov, tg, lv, cd, vc, n)
	), upd AS (
		-- (Two items of one response: the first one joined submits, the
		-- other is a race.)
		UPDATE public.response r SET state = 'submitted',
			submitted_at = pg_catalog.now(), submitted_revision = r.revision,
			scores = i.sc, overall = i.ov, targets = i.tg
		FROM item i, public.session se, public.app_user u, public.wave w
		WHERE r.id = i.rid AND r.revision = i.rev AND r.state = 'draft'
		  AND se.token_hash = i.h AND se.expires_at > pg_catalog.now()
		  AND se.last_seen_at > pg_catalog.now() - pg_catalog.make_interval(
			mins => coalesce((SELECT st.value::integer
				FROM public.setting st
				WHERE st.key = 'session_idle_minutes'), 60))
		  AND u.id = se.user_id AND u.role = 'respondent'
		  AND u.organisation_id = r.organisation_id
		  AND w.id = r.wave_id AND public.rg_wave_state(w) = 'open'
		RETURNING i.n, r.id, r.wave_id, r.organisation_id, r.revision,
			r.overall, w.questionnaire_id AS wq, i.lv, i.cd, i.vc
	), exported AS (
		-- The export row of each (005), with the organisation's
		-- attributes as they are now.
		INSERT INTO public.export_row AS x (response_id, wave_id,
			organisation_id, size_class, kind, urbanisation, state,
			levels, targets, scores, overall)
		SELECT d.id, d.wave_id, o.id, o.size_class, o.kind, o.urbanisation,
			o.state, d.lv, d.cd, d.vc::double precision[], d.overall
		FROM upd d JOIN public.organisation o ON o.id = d.organisation_id
		ON CONFLICT (response_id) DO UPDATE SET wave_id = EXCLUDED.wave_id,
			organisation_id = EXCLUDED.organisation_id,
			size_class = EXCLUDED.size_class, kind = EXCLUDED.kind,
			urbanisation = EXCLUDED.urbanisation, state = EXCLUDED.state,
			levels = EXCLUDED.levels, targets = EXCLUDED.targets,
			scores = EXCLUDED.scores, overall = EXCLUDED.overall
	), bumped AS (
		-- What the trigger cache_changed (011) does for each row.
		INSERT INTO public.cache_version AS c (kind, id)
		SELECT DISTINCT 'o', d.organisation_id FROM upd d
		ON CONFLICT (kind, id) DO UPDATE SET v = c.v + 1
	), pending AS (
		-- For the snapshotter (cgi/snapshotter.c), as response_submit.
		INSERT INTO public.peer_pending (wave_id, organisation_id)
		SELECT d.wave_id, d.organisation_id FROM upd d
	)
	SELECT i.n, CASE WHEN d.n IS NULL THEN 'race' ELSE 'ok' END,
		coalesce(d.revision, i.rev), NULL::integer, d.wq
	FROM item i LEFT JOIN upd d ON d.n = i.n
	ORDER BY i.n;
	PERFORM pg_catalog.set_config('rg.export_rows', '', true),
		pg_catalog.set_config('rg.cache_versions', '', true),
		pg_catalog.set_config('rg.role', '', true);
END $$;
REVOKE ALL ON FUNCTION rg_submit_write(bytea[], bigint[], integer[], jsonb[],
	double precision[], jsonb[], text[], text[], text[], bigint[], boolean[])
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_submit_write(bytea[], bigint[], integer[], jsonb[],
	double precision[], jsonb[], text[], text[], text[], bigint[], boolean[])
	TO reifegrad_app;
