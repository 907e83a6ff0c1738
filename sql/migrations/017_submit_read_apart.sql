-- 017_submit_read_apart: the committer reads submissions on a connection
-- of their own, outside the transaction that writes them.
--
-- The committer read a batch's submissions (014), scored them, and
-- submitted them (016) in one transaction, each step waiting for the one
-- before: the database and the committer took turns, and one core stayed
-- idle (measured: submissions used 1.2 to 1.4 of 2 cores). It now reads
-- the next batch on a second connection while the first writes the last
-- one (cgi/committer.c). That read is a statement of its own: it must not
-- write, or it would wait for a flush of the log of its own. The session
-- touch (once a minute) is therefore left to the write, whose judgement
-- (rg_submit_judged, called by rg_response_submit_batch of 016) touches as
-- before. Nothing else changes: the write still judges every item again in
-- its own transaction, and submits only on the revision the read scored.
--
-- rg_batch_sessions and rg_submit_judged take p_touch (default true, so
-- that the calls of 013 and 016 keep their meaning); the read passes false.

DROP FUNCTION rg_batch_sessions(bytea[]);
DROP FUNCTION rg_submit_judged(bytea[], bigint[], integer[]);

-- As 013's, but touches only when p_touch is true.
CREATE FUNCTION rg_batch_sessions(p_hash bytea[], p_touch boolean DEFAULT true)
RETURNS TABLE (n integer, user_id bigint, role text, organisation_id bigint,
	name text)
LANGUAGE plpgsql
ROWS 10
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH found AS (
		SELECT x.n::integer AS n, x.h, u.id, u.role, u.organisation_id,
			u.name, se.last_seen_at
		FROM unnest(p_hash) WITH ORDINALITY AS x (h, n)
		JOIN public.session se ON se.token_hash = x.h
			AND se.expires_at > pg_catalog.now()
			AND se.last_seen_at > pg_catalog.now() - pg_catalog.make_interval(
				mins => coalesce((SELECT st.value::integer
					FROM public.setting st
					WHERE st.key = 'session_idle_minutes'), 60))
		JOIN public.app_user u ON u.id = se.user_id
	), touched AS (
		UPDATE public.session se SET last_seen_at = pg_catalog.now()
		FROM found f
		WHERE p_touch AND se.token_hash = f.h
		  AND f.last_seen_at < pg_catalog.now() - interval '1 minute'
	)
	SELECT f.n, f.id, f.role, f.organisation_id, f.name FROM found f;
END $$;
REVOKE ALL ON FUNCTION rg_batch_sessions(bytea[], boolean) FROM PUBLIC;

-- As 014's, with p_touch handed to rg_batch_sessions.
CREATE FUNCTION rg_submit_judged(p_hash bytea[], p_wave bigint[],
	p_rev integer[], p_touch boolean DEFAULT true)
RETURNS TABLE (n integer, uid bigint, role text, org bigint, uname text,
	wq bigint, rid bigint, cur integer, answers jsonb, verdict text)
LANGUAGE plpgsql
ROWS 10
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH item AS (
		SELECT x.n::integer AS n, x.wave, x.rev
		FROM unnest(p_wave, p_rev) WITH ORDINALITY AS x (wave, rev, n)
	), seen AS (
		SELECT i.n, i.rev, u.user_id AS uid, u.role,
			u.organisation_id AS org, u.name AS uname,
			w.questionnaire_id AS wq,
			CASE WHEN w.id IS NOT NULL THEN public.rg_wave_state(w) END AS wst,
			r.id AS rid, r.state AS rstate, coalesce(r.revision, 0) AS cur,
			r.answers
		FROM item i
		LEFT JOIN public.rg_batch_sessions(p_hash, p_touch) u ON u.n = i.n
		LEFT JOIN public.wave w ON w.id = i.wave
		LEFT JOIN public.response r ON r.wave_id = i.wave
			AND r.organisation_id = u.organisation_id
	)
	SELECT s.n, s.uid, s.role, s.org, s.uname, s.wq, s.rid, s.cur,
		s.answers, CASE
			WHEN s.uid IS NULL THEN 'unauthenticated'
			WHEN s.role <> 'respondent' OR s.org IS NULL THEN 'forbidden'
			WHEN s.wst IS NULL THEN 'not_found'
			WHEN s.rstate = 'submitted' THEN 'submitted'
			WHEN s.wst <> 'open' THEN s.wst
			WHEN s.cur <> s.rev THEN 'stale'
			ELSE 'submit' END
	FROM seen s;
END $$;
REVOKE ALL ON FUNCTION rg_submit_judged(bytea[], bigint[], integer[], boolean)
	FROM PUBLIC;

-- As 014's, but without the touch: a read that writes nothing.
CREATE OR REPLACE FUNCTION rg_response_submit_read(p_hash bytea[],
	p_wave bigint[], p_rev integer[])
RETURNS TABLE (n integer, status text, revision integer,
	questionnaire_id bigint, user_id bigint, answers jsonb)
LANGUAGE plpgsql SECURITY DEFINER
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
	PERFORM pg_catalog.set_config('rg.role', 'admin', true);
	RETURN QUERY
	SELECT j.n, CASE WHEN j.verdict = 'submit' THEN 'read' ELSE j.verdict END,
		j.cur,
		CASE WHEN j.verdict NOT IN ('unauthenticated', 'forbidden')
			THEN j.wq END,
		j.uid,
		CASE WHEN j.verdict = 'submit' THEN coalesce(j.answers, '{}') END
	FROM public.rg_submit_judged(p_hash, p_wave, p_rev, false) j
	ORDER BY j.n;
	PERFORM pg_catalog.set_config('rg.role', '', true);
END $$;
