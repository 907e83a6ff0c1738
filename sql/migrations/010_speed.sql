-- 010_speed: what the hot paths need to stay cheap (issue 8).
--
-- rg_setting_int() was a SQL function with a subquery: PostgreSQL cannot
-- inline such a function, and a SQL function that is not inlined is parsed
-- and planned again at every call. It runs in every session check, so it
-- halved the rate of every signed-in request. In PL/pgSQL its plan is
-- prepared once per connection (measured with pgbench on the session
-- check alone: 23,600 -> 44,000 calls per second).
CREATE OR REPLACE FUNCTION rg_setting_int(p_key text, p_default integer)
RETURNS integer LANGUAGE plpgsql STABLE AS $$
DECLARE
	v integer;
BEGIN
	SELECT value::integer INTO v FROM public.setting WHERE key = p_key;
	RETURN coalesce(v, p_default);
END $$;

-- A submitted response's mean target level per dimension, as a score
-- ({"D1": 75.0, "D2": null, ...}, as the benchmark's "targets"): computed
-- with the scores when it is submitted (cgi/score.c), so that a benchmark
-- reads a few numbers instead of every answer. NULL for drafts.
ALTER TABLE response ADD COLUMN targets jsonb;

-- The responses submitted before this migration: the same arithmetic as
-- score_compute() (100 * sum / count / 4 in double precision, over the
-- items of the dimension with an integer target).
UPDATE response r SET targets = (
	SELECT jsonb_object_agg(d ->> 'id', (
		SELECT CASE WHEN count(*) > 0 THEN
			100.0::float8 * sum((r.answers -> (i ->> 'id') ->> 'target')::integer)::float8
				/ count(*)::float8 / 4.0::float8 END
		FROM jsonb_array_elements(d -> 'items') i
		WHERE jsonb_typeof(r.answers -> (i ->> 'id') -> 'target') = 'number'))
	FROM wave w JOIN questionnaire q ON q.id = w.questionnaire_id,
		jsonb_array_elements(q.definition -> 'dimensions') d
	WHERE w.id = r.wave_id)
WHERE r.state = 'submitted';

-- The session checks, once per request, made cheaper:
-- - the idle timeout is looked up in the statement that finds the
--   session: calling rg_setting_int() from inside it ran a second PL/pgSQL
--   function with an executor of its own in every request;
-- - they return one row (all NULL when there is no valid session) instead
--   of a set: a set-returning PL/pgSQL function fills a tuple store per
--   call (pgbench, the check alone: 51,000 -> 62,000 calls per second).
--   Callers select WHERE user_id IS NOT NULL.
DROP FUNCTION rg_session_begin(bytea);
DROP FUNCTION rg_session_check(bytea);

CREATE FUNCTION rg_session_begin(p_hash bytea, OUT user_id bigint,
	OUT role text, OUT organisation_id bigint)
-- Called once per request: kept cheap. No SET search_path clause (saving
-- and restoring it per call halves the rate); every name is qualified
-- instead, so the caller's search_path cannot redirect anything.
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
	s record;
BEGIN
	PERFORM pg_catalog.set_config('rg.role', 'admin', true);
	SELECT u.id, u.role, u.organisation_id, se.last_seen_at INTO s
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
	IF s.last_seen_at < pg_catalog.now() - interval '1 minute' THEN
		UPDATE public.session SET last_seen_at = pg_catalog.now()
		WHERE token_hash = p_hash;
	END IF;
	PERFORM pg_catalog.set_config('rg.user_id', s.id::text, true),
		pg_catalog.set_config('rg.role', s.role, true),
		pg_catalog.set_config('rg.org_id',
		    coalesce(s.organisation_id::text, ''), true);
	user_id := s.id;
	role := s.role;
	organisation_id := s.organisation_id;
END $$;

CREATE FUNCTION rg_session_check(p_hash bytea, OUT user_id bigint,
	OUT role text, OUT organisation_id bigint, OUT touch boolean)
-- As rg_session_begin(), without the touch (see 008_read_replica.sql).
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
	s record;
BEGIN
	PERFORM pg_catalog.set_config('rg.role', 'admin', true);
	SELECT u.id, u.role, u.organisation_id, se.last_seen_at INTO s
	FROM public.session se JOIN public.app_user u ON u.id = se.user_id
	LEFT JOIN public.setting st ON st.key = 'session_idle_minutes'
	WHERE se.token_hash = p_hash AND se.expires_at > pg_catalog.now()
	  AND se.last_seen_at > pg_catalog.now() - pg_catalog.make_interval(
		mins => coalesce(st.value::integer, 60));
	IF NOT FOUND THEN
		PERFORM pg_catalog.set_config('rg.role', '', true);
		RETURN;
	END IF;
	PERFORM pg_catalog.set_config('rg.user_id', s.id::text, true),
		pg_catalog.set_config('rg.role', s.role, true),
		pg_catalog.set_config('rg.org_id',
		    coalesce(s.organisation_id::text, ''), true);
	user_id := s.id;
	role := s.role;
	organisation_id := s.organisation_id;
	touch := s.last_seen_at < pg_catalog.now() - interval '1 minute';
END $$;

REVOKE ALL ON FUNCTION rg_session_begin(bytea), rg_session_check(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_session_begin(bytea), rg_session_check(bytea)
	TO reifegrad_app;

-- Submissions whose peer groups have not yet counted them. A submit only
-- adds a row here, in its own transaction; the workers' master runs a
-- snapshotter (cgi/snapshotter.c) that takes the rows a few times a second,
-- counts them into peer_change and renews the groups that reached their
-- threshold. Counting inside the submit serialised every submission of a
-- wave on the network group's counter row (150 submits per second). Who
-- submitted lately is nobody else's business: only the system reads here.
CREATE TABLE peer_pending (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	wave_id bigint NOT NULL REFERENCES wave (id) ON DELETE CASCADE,
	organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE
);
ALTER TABLE peer_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE peer_pending FORCE ROW LEVEL SECURITY;
CREATE POLICY peer_pending_insert ON peer_pending FOR INSERT
	WITH CHECK (organisation_id = rg_org() OR rg_role() = 'admin');
CREATE POLICY peer_pending_admin ON peer_pending FOR ALL
	USING (rg_role() = 'admin') WITH CHECK (rg_role() = 'admin');
-- UPDATE only for the row locks of FOR UPDATE SKIP LOCKED (snap_pending).
GRANT SELECT, INSERT, UPDATE, DELETE ON peer_pending TO reifegrad_app;

-- Counts the changes of a wave's peer snapshots: every renewal adds one
-- (cgi/snapshot.c). A worker keeps the snapshots of the waves it serves
-- (cgi/snapcache.c) and reads them again only when the generation it sees
-- with a benchmark is not the one it holds, so that a benchmark does not
-- fetch its group's figures every time.
ALTER TABLE wave ADD COLUMN snapshot_generation bigint NOT NULL DEFAULT 0;

-- For /api/v1/metrics: how many submissions wait to be counted into their
-- peer groups (a count, nothing about whom). It grows only while no
-- snapshotter runs.
CREATE FUNCTION rg_snapshot_pending() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	prev text := rg_role();
	n bigint;
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	SELECT count(*) INTO n FROM peer_pending;
	PERFORM set_config('rg.role', prev, true);
	RETURN n;
END $$;
REVOKE ALL ON FUNCTION rg_snapshot_pending() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_snapshot_pending() TO reifegrad_app;
