-- 008_read_replica: what read-only routes need to run on a hot standby
-- (REIFEGRAD_READ_DATABASE_URL, deploy/README.md "Past one machine").
--
-- rg_session_begin() touches session.last_seen_at at most once a minute,
-- and a standby refuses any write. rg_session_check() is the same check
-- (same token hash, same idle and absolute lifetime, same identity set
-- with set_config(..., true)) without the touch: it only says whether the
-- session is due one (touch). The program then touches it on the primary
-- with rg_session_begin() (cgi/dispatch.c), so the idle timeout holds
-- whichever server answers the reads.

CREATE FUNCTION rg_session_check(p_hash bytea)
RETURNS TABLE (user_id bigint, role text, organisation_id bigint,
	touch boolean)
-- Called once per request served by a standby: kept as cheap as
-- rg_session_begin(), every name qualified for the same reason.
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
	s record;
BEGIN
	PERFORM pg_catalog.set_config('rg.role', 'admin', true);
	SELECT u.id, u.role, u.organisation_id, se.last_seen_at INTO s
	FROM public.session se JOIN public.app_user u ON u.id = se.user_id
	WHERE se.token_hash = p_hash AND se.expires_at > pg_catalog.now()
	  AND se.last_seen_at > pg_catalog.now() - pg_catalog.make_interval(
		mins => public.rg_setting_int('session_idle_minutes', 60));
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
	RETURN NEXT;
END $$;

REVOKE ALL ON FUNCTION rg_session_check(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_session_check(bytea) TO reifegrad_app;
