-- 014_submit_read: the committer reads the submissions of its batch.
--
-- A worker read the response it was asked to submit (a session check and
-- a read, one statement each, for one item), checked its required items,
-- computed its scores and sent them to the committer. Those two statements
-- per submission cost more than the batch that submits it (measured: the
-- workers' connections used 360 of the 1,250 µs of CPU a submission took
-- in all). The committer now reads every submission of its batch with one
-- call of this function, in the transaction that then submits them
-- (rg_response_submit_batch, 013, which checks everything again), and
-- scores them itself (cgi/committer.c, with the worker's own code).
--
-- Item i is (p_hash[i], p_wave[i], p_rev[i]): the session's token hash,
-- the wave, the revision the submission names. One row per item, in order,
-- with status (in the order of API.md's errors for POST .../submit, as
-- rg_response_submit_batch judges):
--   unauthenticated, forbidden   no valid session; not a respondent of an
--                                organisation
--   not_found                    no such wave
--   submitted                    the response was submitted (revision: the
--                                current one; the worker reads the response
--                                again to tell a repeated submission of the
--                                same revision, answered with its scores)
--   planned, closed              the wave is not open
--   stale                        rev is not the current revision
--   read                         every check passed: answers are the
--                                response's (an empty object when it has no
--                                row yet), questionnaire_id the wave's
-- and the user of the session (NULL when there is none), for the log.
-- The session is touched as rg_batch_sessions does, once a minute.

-- The judgement of submissions, for both the read below and the write
-- (rg_response_submit_batch of 016), which judges again in its own
-- transaction: for item n of (p_hash, p_wave, p_rev), the session's user,
-- role, organisation and name, the wave's questionnaire and state, the
-- response (id, state, current revision, answers) and the verdict, in the
-- order of API.md's errors for POST .../submit: unauthenticated,
-- forbidden, not_found, submitted, planned, closed, stale, or submit.
-- Only the functions here call it (as the owner, with rg.role set to
-- admin).
CREATE FUNCTION rg_submit_judged(p_hash bytea[], p_wave bigint[],
	p_rev integer[])
RETURNS TABLE (n integer, uid bigint, role text, org bigint, uname text,
	wq bigint, rid bigint, cur integer, answers jsonb, verdict text)
LANGUAGE plpgsql
-- As rg_batch_sessions: estimated as an array's unnest, planned once.
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
		LEFT JOIN public.rg_batch_sessions(p_hash) u ON u.n = i.n
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
REVOKE ALL ON FUNCTION rg_submit_judged(bytea[], bigint[], integer[])
	FROM PUBLIC;

CREATE FUNCTION rg_response_submit_read(p_hash bytea[], p_wave bigint[],
	p_rev integer[])
RETURNS TABLE (n integer, status text, revision integer,
	questionnaire_id bigint, user_id bigint, answers jsonb)
LANGUAGE plpgsql SECURITY DEFINER
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
	PERFORM pg_catalog.set_config('rg.role', 'admin', true);
	-- Nothing of a response leaves but to its own respondent's
	-- submission: the answers only with 'read', the questionnaire only
	-- past the session's checks.
	RETURN QUERY
	SELECT j.n, CASE WHEN j.verdict = 'submit' THEN 'read' ELSE j.verdict END,
		j.cur,
		CASE WHEN j.verdict NOT IN ('unauthenticated', 'forbidden')
			THEN j.wq END,
		j.uid,
		CASE WHEN j.verdict = 'submit' THEN coalesce(j.answers, '{}') END
	FROM public.rg_submit_judged(p_hash, p_wave, p_rev) j
	ORDER BY j.n;
	PERFORM pg_catalog.set_config('rg.role', '', true);
END $$;
REVOKE ALL ON FUNCTION rg_response_submit_read(bytea[], bigint[], integer[])
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_response_submit_read(bytea[], bigint[], integer[])
	TO reifegrad_app;
