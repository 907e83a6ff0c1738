-- 011_answer_cache: versions of what a worker's cached answers were made
-- from (cgi/anscache.c).
--
-- A worker keeps the benchmark and response answers it wrote, and the
-- sessions it checked, and gives an answer again only after one cheap
-- statement has shown that nothing it was made from has changed since: the
-- versions below. Every change that could alter such an answer counts up a version
-- in the changing transaction itself (triggers), so a version read in a
-- snapshot is exactly as current as the data of that snapshot, and an
-- answer given from the cache is the one the database would give now. No
-- notification, no expiry guesswork: a version either matches or the
-- answer is made afresh.
--
-- Kinds:
--   u  a user: its account (role, organisation, erasure) and its sessions
--      ending (sign-out, expiry set back, deletion); a session's touch,
--      which only extends it, counts nothing
--   o  an organisation: its attributes (name, peer groups) and its
--      responses (answers, state, scores)
--   w  a wave: its dates, its snapshots (snapshot_generation), and the
--      settings (k, the idle timeout), whose rare change counts up every
--      wave: one lookup fewer in every check
CREATE TABLE cache_version (
	kind "char" NOT NULL CHECK (kind IN ('u', 'o', 'w')),
	id bigint NOT NULL,
	v bigint NOT NULL DEFAULT 1,
	PRIMARY KEY (kind, id)
);
-- Ids and counters only, nothing about anyone: not under row-level
-- security, so that the check is a plain lookup. Only the triggers write.
GRANT SELECT ON cache_version TO reifegrad_app;

-- One trigger function for every table: which version a row's change
-- counts up depends on the table. It runs with every autosave: PL/pgSQL
-- (its statement is planned once per connection, where a SQL function
-- would be planned at every call), and no SET clause (saving and restoring
-- search_path at every call costs as much again); every name is qualified.
CREATE FUNCTION rg_cache_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
	r record;
	k "char";
	i bigint;
BEGIN
	IF TG_TABLE_NAME = 'setting' THEN
		INSERT INTO public.cache_version AS c (kind, id)
		SELECT 'w', w.id FROM public.wave w
		ON CONFLICT (kind, id) DO UPDATE SET v = c.v + 1;
		RETURN NULL;
	END IF;
	IF TG_OP = 'INSERT' THEN
		r := NEW;
	ELSE
		r := OLD;
	END IF;
	CASE TG_TABLE_NAME
	WHEN 'app_user' THEN
		k := 'u'; i := r.id;
	WHEN 'session' THEN
		k := 'u'; i := r.user_id;
	WHEN 'organisation' THEN
		k := 'o'; i := r.id;
	WHEN 'response' THEN
		k := 'o'; i := r.organisation_id;
		IF TG_OP = 'UPDATE' AND NEW.organisation_id <> OLD.organisation_id THEN
			INSERT INTO public.cache_version AS c (kind, id)
			VALUES ('o', NEW.organisation_id)
			ON CONFLICT (kind, id) DO UPDATE SET v = c.v + 1;
		END IF;
	WHEN 'wave' THEN
		k := 'w'; i := r.id;
	END CASE;
	INSERT INTO public.cache_version AS c (kind, id) VALUES (k, i)
	ON CONFLICT (kind, id) DO UPDATE SET v = c.v + 1;
	RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION rg_cache_changed() FROM PUBLIC;

CREATE TRIGGER cache_changed AFTER UPDATE OR DELETE ON app_user
	FOR EACH ROW EXECUTE FUNCTION rg_cache_changed();
-- A session that ends or shortens; the touch of every request (which only
-- moves last_seen_at forward) counts nothing.
CREATE TRIGGER cache_changed AFTER DELETE ON session
	FOR EACH ROW EXECUTE FUNCTION rg_cache_changed();
CREATE TRIGGER cache_shortened AFTER UPDATE ON session
	FOR EACH ROW WHEN (NEW.last_seen_at < OLD.last_seen_at
		OR NEW.expires_at < OLD.expires_at OR NEW.user_id <> OLD.user_id
		OR NEW.token_hash <> OLD.token_hash)
	EXECUTE FUNCTION rg_cache_changed();
CREATE TRIGGER cache_changed AFTER UPDATE OR DELETE ON organisation
	FOR EACH ROW EXECUTE FUNCTION rg_cache_changed();
-- Every change, autosaves too: the cached response GET shows the answers.
CREATE TRIGGER cache_changed AFTER INSERT OR UPDATE OR DELETE ON response
	FOR EACH ROW EXECUTE FUNCTION rg_cache_changed();
CREATE TRIGGER cache_changed AFTER UPDATE OR DELETE ON wave
	FOR EACH ROW EXECUTE FUNCTION rg_cache_changed();
CREATE TRIGGER cache_changed AFTER INSERT OR UPDATE OR DELETE ON setting
	FOR EACH STATEMENT EXECUTE FUNCTION rg_cache_changed();

-- The session checks of 010 (rg_session_begin) and 008 (rg_session_check,
-- for hot standbys), now one function: p_touch says whether it may touch
-- the session (a standby cannot write). It also gives the user's version
-- (read in the statement that finds the session, so that both are of one
-- snapshot), until when the session holds without a further request (its
-- absolute end or its idle timeout, whichever comes first; seconds since
-- 1970), for the cache, and whether the session is due a touch that this
-- call did not give (the program then gives it on the primary).
DROP FUNCTION rg_session_begin(bytea);
DROP FUNCTION rg_session_check(bytea);

CREATE FUNCTION rg_session_begin(p_hash bytea, p_touch boolean DEFAULT true,
	OUT user_id bigint, OUT role text, OUT organisation_id bigint,
	OUT cache_v bigint, OUT valid_until bigint, OUT touch boolean)
-- Called once per request: kept cheap (see 010).
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
	s record;
BEGIN
	PERFORM pg_catalog.set_config('rg.role', 'admin', true);
	SELECT u.id, u.role, u.organisation_id, se.last_seen_at, se.expires_at,
		pg_catalog.make_interval(mins => coalesce(st.value::integer, 60)) AS idle,
		coalesce(c.v, 0) AS v
	INTO s
	FROM public.session se JOIN public.app_user u ON u.id = se.user_id
	LEFT JOIN public.setting st ON st.key = 'session_idle_minutes'
	LEFT JOIN public.cache_version c ON c.kind = 'u' AND c.id = u.id
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

REVOKE ALL ON FUNCTION rg_session_begin(bytea, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_session_begin(bytea, boolean) TO reifegrad_app;
