-- 013_committer: autosaves and submissions of many respondents in one
-- statement each.
--
-- An autosave was a transaction of its own: the session check that sets the
-- identity for row-level security, the response's state, the merge, COMMIT.
-- Each paid a transaction's fixed costs (statements, a WAL flush) for one
-- row. The workers now hand their autosaves to one process, the committer
-- (cgi/committer.c), which saves all that wait in one call of this
-- function, in one transaction, and answers each worker after COMMIT. A
-- worker without a committer calls it with one item.
--
-- The function is the authority for every item: it finds the session by
-- the hash of its token (expired, idle or signed-out sessions save
-- nothing), requires a respondent with an organisation, and writes only
-- that organisation's response. It runs as the owner with rg.role set to
-- admin, because the rows of one statement belong to many organisations;
-- the joins below take the place of the policies, and the identity is
-- reset before it returns. Like rg_session_begin (010), it is called for
-- every autosave and names pg_catalog and public instead of setting a
-- search_path.

-- The sessions of a call's items, for both calls below: for item n of
-- p_hash, the user of its session when that is valid (as rg_session_begin:
-- neither expired nor idle), and the session's touch when one is due (at
-- most once a minute), given here. An item without a valid session has no
-- row. Only the functions below call it (as the owner, with rg.role set to
-- admin).
CREATE FUNCTION rg_batch_sessions(p_hash bytea[])
RETURNS TABLE (n integer, user_id bigint, role text, organisation_id bigint,
	name text)
LANGUAGE plpgsql
-- Estimated as an array's unnest is (10 rows), so that the calls' plans
-- join it as they would join the sessions themselves (measured: with the
-- default 1,000 rows an autosave cost 10 to 15 µs more).
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
		WHERE se.token_hash = f.h
		  AND f.last_seen_at < pg_catalog.now() - interval '1 minute'
	)
	SELECT f.n, f.id, f.role, f.organisation_id, f.name FROM found f;
END $$;
REVOKE ALL ON FUNCTION rg_batch_sessions(bytea[]) FROM PUBLIC;

-- Item i is (p_hash[i], p_wave[i], p_rev[i], p_qid[i], p_remove[i],
-- p_set[i]): the session's token hash, the wave, the revision the save
-- builds on, the questionnaire the worker checked the answers against, the
-- keys to remove (a JSON array) and the answers to set (an object); p_set
-- NULL asks for the checks only. One row per item, in order, with status:
--   unauthenticated, forbidden   no valid session; not a respondent of an
--                                organisation
--   not_found, planned, closed   no such wave; it is not open
--   submitted, stale             the response was submitted; revision is
--                                not the current one (given in revision)
--   questionnaire                the checks passed, but the answers were
--                                checked against another questionnaire
--                                than the wave's (given in
--                                questionnaire_id) or against none
--   checked                      p_set NULL and every check passed
--   ok                           saved: the new revision and answered
--   again                        an earlier item of this call saves the
--                                same response: send it again
--   race                         a concurrent transaction changed the
--                                response after the checks: send again
-- The order of the checks is that of API.md's errors for PUT .../response.
CREATE FUNCTION rg_response_save_batch(p_hash bytea[], p_wave bigint[],
	p_rev integer[], p_qid bigint[], p_remove jsonb[], p_set jsonb[])
RETURNS TABLE (n integer, status text, revision integer, answered integer,
	questionnaire_id bigint)
LANGUAGE plpgsql SECURITY DEFINER
-- Planned once per connection: a plan made for each call's arrays cost
-- more than the call (measured: two thirds of its time).
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
	PERFORM pg_catalog.set_config('rg.role', 'admin', true);
	RETURN QUERY
	WITH item AS (
		SELECT x.n::integer AS n, x.h, x.wave, x.rev, x.qid, x.rm, x.st
		FROM unnest(p_hash, p_wave, p_rev, p_qid, p_remove, p_set)
			WITH ORDINALITY AS x (h, wave, rev, qid, rm, st, n)
	), seen AS (
		SELECT i.*, u.user_id AS uid, u.role, u.organisation_id AS org,
			u.name AS uname, w.questionnaire_id AS wq,
			CASE WHEN w.id IS NOT NULL THEN public.rg_wave_state(w) END AS wst,
			r.state AS rstate, coalesce(r.revision, 0) AS cur,
			r.answers AS answers
		FROM item i
		LEFT JOIN public.rg_batch_sessions(p_hash) u ON u.n = i.n
		LEFT JOIN public.wave w ON w.id = i.wave
		LEFT JOIN public.response r ON r.wave_id = i.wave
			AND r.organisation_id = u.organisation_id
	), judged AS (
		SELECT s.*, CASE
			WHEN s.uid IS NULL THEN 'unauthenticated'
			WHEN s.role <> 'respondent' OR s.org IS NULL THEN 'forbidden'
			WHEN s.wst IS NULL THEN 'not_found'
			WHEN s.wst <> 'open' THEN s.wst
			WHEN s.rstate = 'submitted' THEN 'submitted'
			WHEN s.cur <> s.rev THEN 'stale'
			WHEN s.qid IS DISTINCT FROM s.wq THEN 'questionnaire'
			WHEN s.st IS NULL THEN 'checked'
			ELSE 'save' END AS verdict
		FROM seen s
	), first AS (
		-- One save per response and call; a later one is sent again.
		SELECT DISTINCT ON (j.wave, j.org) j.n
		FROM judged j WHERE j.verdict = 'save'
		ORDER BY j.wave, j.org, j.n
	), saved AS (
		-- The merge is made from the row as read above; the revision
		-- is what guards it: every change of the answers counts the
		-- revision up, so an unchanged revision means unchanged
		-- answers. The row inserted or set carries revision rev + 1.
		INSERT INTO public.response AS r (wave_id, organisation_id,
			answers, answered, revision, updated_by, updated_by_name)
		SELECT j.wave, j.org, m.a,
			(SELECT count(*) FROM jsonb_each(m.a) e
			 WHERE e.value ? 'level'
			    OR coalesce((e.value ->> 'na')::boolean, false)),
			j.rev + 1, j.uid, coalesce(j.uname, '')
		FROM judged j JOIN first f ON f.n = j.n,
		LATERAL (SELECT (coalesce(j.answers, '{}') - ARRAY(SELECT
			jsonb_array_elements_text(j.rm))) || j.st AS a) m
		ON CONFLICT (wave_id, organisation_id) DO UPDATE SET
			answers = EXCLUDED.answers, answered = EXCLUDED.answered,
			revision = EXCLUDED.revision, updated_at = pg_catalog.now(),
			updated_by = EXCLUDED.updated_by,
			updated_by_name = EXCLUDED.updated_by_name
		WHERE r.revision + 1 = EXCLUDED.revision AND r.state = 'draft'
		RETURNING r.wave_id, r.organisation_id, r.revision, r.answered
	)
	SELECT j.n, CASE WHEN j.verdict <> 'save' THEN j.verdict
			WHEN f.n IS NULL THEN 'again'
			WHEN sv.revision IS NULL THEN 'race'
			ELSE 'ok' END,
		coalesce(sv.revision, j.cur), sv.answered, j.wq
	FROM judged j
	LEFT JOIN first f ON f.n = j.n
	LEFT JOIN saved sv ON f.n IS NOT NULL AND sv.wave_id = j.wave
		AND sv.organisation_id = j.org
	ORDER BY j.n;
	PERFORM pg_catalog.set_config('rg.role', '', true);
END $$;
REVOKE ALL ON FUNCTION rg_response_save_batch(bytea[], bigint[], integer[],
	bigint[], jsonb[], jsonb[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_response_save_batch(bytea[], bigint[], integer[],
	bigint[], jsonb[], jsonb[]) TO reifegrad_app;

-- Submissions go the same way. The worker has read the response, checked
-- its required items and computed its scores from those answers; the call
-- submits each item only while the response is still the draft at the
-- revision those answers had (so the scores are of what is stored), and
-- queues it for the peer groups as response_submit does. Item i is
-- (p_hash[i], p_wave[i], p_rev[i], p_scores[i], p_overall[i],
-- p_targets[i]). A response without a row yet (a questionnaire without
-- required items, revision 0) is inserted, submitted. One row per item,
-- in order, shaped as those of rg_response_save_batch, with status
-- unauthenticated, forbidden, not_found, submitted (revision: the current
-- one; the worker reads the response again to tell a colleague's
-- submission of the same revision), planned, closed, stale, ok (submitted
-- at revision), again or race, as above.
CREATE FUNCTION rg_response_submit_batch(p_hash bytea[], p_wave bigint[],
	p_rev integer[], p_scores jsonb[], p_overall double precision[],
	p_targets jsonb[])
RETURNS TABLE (n integer, status text, revision integer, answered integer,
	questionnaire_id bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
	PERFORM pg_catalog.set_config('rg.role', 'admin', true);
	RETURN QUERY
	WITH item AS (
		SELECT x.n::integer AS n, x.h, x.wave, x.rev, x.sc, x.ov, x.tg
		FROM unnest(p_hash, p_wave, p_rev, p_scores, p_overall, p_targets)
			WITH ORDINALITY AS x (h, wave, rev, sc, ov, tg, n)
	), seen AS (
		SELECT i.*, u.user_id AS uid, u.role, u.organisation_id AS org,
			u.name AS uname, w.questionnaire_id AS wq,
			CASE WHEN w.id IS NOT NULL THEN public.rg_wave_state(w) END AS wst,
			r.id AS rid, r.state AS rstate, coalesce(r.revision, 0) AS cur
		FROM item i
		LEFT JOIN public.rg_batch_sessions(p_hash) u ON u.n = i.n
		LEFT JOIN public.wave w ON w.id = i.wave
		LEFT JOIN public.response r ON r.wave_id = i.wave
			AND r.organisation_id = u.organisation_id
	), judged AS (
		-- In the order of the handler's checks for POST .../submit.
		SELECT s.*, CASE
			WHEN s.uid IS NULL THEN 'unauthenticated'
			WHEN s.role <> 'respondent' OR s.org IS NULL THEN 'forbidden'
			WHEN s.wst IS NULL THEN 'not_found'
			WHEN s.rstate = 'submitted' THEN 'submitted'
			WHEN s.wst <> 'open' THEN s.wst
			WHEN s.cur <> s.rev THEN 'stale'
			ELSE 'submit' END AS verdict
		FROM seen s
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
		RETURNING r.wave_id, r.organisation_id, r.revision
	), ins AS (
		INSERT INTO public.response AS r (wave_id, organisation_id, state,
			revision, submitted_at, submitted_revision, scores, overall,
			targets, updated_by, updated_by_name)
		SELECT j.wave, j.org, 'submitted', 0, pg_catalog.now(), 0, j.sc,
			j.ov, j.tg, j.uid, coalesce(j.uname, '')
		FROM judged j JOIN first f ON f.n = j.n
		WHERE j.rid IS NULL AND j.rev = 0
		ON CONFLICT (wave_id, organisation_id) DO NOTHING
		RETURNING r.wave_id, r.organisation_id, r.revision
	), done AS (
		SELECT * FROM upd UNION ALL SELECT * FROM ins
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
	PERFORM pg_catalog.set_config('rg.role', '', true);
END $$;
REVOKE ALL ON FUNCTION rg_response_submit_batch(bytea[], bigint[], integer[],
	jsonb[], double precision[], jsonb[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_response_submit_batch(bytea[], bigint[], integer[],
	jsonb[], double precision[], jsonb[]) TO reifegrad_app;

-- The session check of 011, with the user's version read by its key. As a
-- join (011), the plan cached in the function could read the version by
-- kind alone and compare every user's ('u' versions grow with every
-- sign-out and ended session): measured with 2,600 of them, 0.5 ms per
-- request instead of 0.05.
CREATE OR REPLACE FUNCTION rg_session_begin(p_hash bytea, p_touch boolean DEFAULT true,
	OUT user_id bigint, OUT role text, OUT organisation_id bigint,
	OUT cache_v bigint, OUT valid_until bigint, OUT touch boolean)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
	s record;
BEGIN
	PERFORM pg_catalog.set_config('rg.role', 'admin', true);
	SELECT u.id, u.role, u.organisation_id, se.last_seen_at, se.expires_at,
		pg_catalog.make_interval(mins => coalesce(st.value::integer, 60)) AS idle,
		coalesce((SELECT c.v FROM public.cache_version c
			WHERE c.kind = 'u' AND c.id = u.id), 0) AS v
	INTO s
	FROM public.session se JOIN public.app_user u ON u.id = se.user_id
	LEFT JOIN public.setting st ON st.key = 'session_idle_minutes'
	WHERE se.token_hash = p_hash AND se.expires_at > pg_catalog.now()
	  AND se.last_seen_at > pg_catalog.now() - pg_catalog.make_interval(
		mins => coalesce(st.value::integer, 60));
	IF NOT FOUND THEN
		PERFORM pg_catalog.set_config('rg.role', '', true);
		RETURN;
	END IF;
	-- Touch at most once a minute: a request is not a write.
	touch := s.last_seen_at < pg_catalog.now() - interval '1 minute';
	IF touch AND p_touch THEN
		UPDATE public.session SET last_seen_at = pg_catalog.now()
		WHERE token_hash = p_hash;
		s.last_seen_at := pg_catalog.now();
		touch := false;
	END IF;
	PERFORM pg_catalog.set_config('rg.user_id', s.id::text, true),
		pg_catalog.set_config('rg.role', s.role, true),
		pg_catalog.set_config('rg.org_id',
		    coalesce(s.organisation_id::text, ''), true);
	user_id := s.id;
	role := s.role;
	organisation_id := s.organisation_id;
	valid_until := extract(epoch FROM
		least(s.expires_at, s.last_seen_at + s.idle))::bigint;
	cache_v := s.v;
END $$;
