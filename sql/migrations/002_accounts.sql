-- 002_accounts: organisations, accounts, sessions, invitations, login
-- throttling, the audit log, and row-level security.
--
-- Identity of a request: the program calls rg_session_begin() (or, for
-- sign-in, nothing) inside each request's transaction; it sets rg.user_id,
-- rg.role and rg.org_id with set_config(..., true), so they end with the
-- transaction and never leak into the next request on the same
-- connection. Policies read them through rg_role(), rg_org(), rg_user().

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION rg_role() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('rg.role', true), '') $$;
CREATE FUNCTION rg_org() RETURNS bigint LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('rg.org_id', true), '')::bigint $$;
CREATE FUNCTION rg_user() RETURNS bigint LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('rg.user_id', true), '')::bigint $$;

-- Destatis Gemeindegrößenklassen: 1 unter 2.000 ... 8 500.000 und mehr.
-- The same classes as register_size_class() in cgi/register.c.
CREATE FUNCTION rg_size_class(population integer) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN population IS NULL THEN NULL
		WHEN population < 2000 THEN 1
		WHEN population < 5000 THEN 2
		WHEN population < 10000 THEN 3
		WHEN population < 20000 THEN 4
		WHEN population < 50000 THEN 5
		WHEN population < 100000 THEN 6
		WHEN population < 500000 THEN 7
		ELSE 8 END::smallint
$$;

CREATE TABLE organisation (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key text NOT NULL UNIQUE
		CHECK (key ~ '^([0-9]{2,12}|[A-Z]{2}-[A-Za-z0-9]{1,16})$'),
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	kind text NOT NULL CHECK (kind IN ('gemeinde', 'stadt',
		'kreisfreie_stadt', 'landkreis', 'gemeindeverband',
		'gemeindefreies_gebiet')),
	state text NOT NULL DEFAULT '' CHECK (length(state) <= 64),
	country text NOT NULL DEFAULT 'DE' CHECK (country ~ '^[A-Z]{2}$'),
	population integer CHECK (population >= 0),
	area_km2 numeric(12, 2) CHECK (area_km2 >= 0),
	size_class smallint GENERATED ALWAYS AS (rg_size_class(population)) STORED,
	urbanisation smallint CHECK (urbanisation BETWEEN 1 AND 3),
	member boolean NOT NULL DEFAULT false,
	consent_named boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisation_name_trgm ON organisation
	USING gin (lower(name) gin_trgm_ops);
CREATE INDEX organisation_name_id ON organisation (name COLLATE "C", id);
CREATE INDEX organisation_member ON organisation (id) WHERE member;

CREATE TABLE app_user (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email text NOT NULL CHECK (length(email) <= 254 AND email = lower(email)),
	name text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
	role text NOT NULL CHECK (role IN ('respondent', 'coordinator',
		'researcher', 'admin')),
	organisation_id bigint REFERENCES organisation (id) ON DELETE CASCADE,
	password_hash text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	CHECK ((role = 'respondent') = (organisation_id IS NOT NULL))
);
CREATE UNIQUE INDEX app_user_email ON app_user (email);
CREATE INDEX app_user_organisation ON app_user (organisation_id);

-- Only the hash (BLAKE2b-256) of a session token is stored.
CREATE TABLE session (
	token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	user_id bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
	created_at timestamptz NOT NULL DEFAULT now(),
	last_seen_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL
);
CREATE INDEX session_by_user ON session (user_id);
CREATE INDEX session_expires ON session (expires_at);

CREATE TABLE invitation (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	email text NOT NULL CHECK (length(email) <= 254 AND email = lower(email)),
	role text NOT NULL CHECK (role IN ('respondent', 'coordinator',
		'researcher', 'admin')),
	organisation_id bigint REFERENCES organisation (id) ON DELETE CASCADE,
	invited_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL,
	accepted_at timestamptz,
	user_id bigint REFERENCES app_user (id) ON DELETE SET NULL,
	CHECK ((role = 'respondent') = (organisation_id IS NOT NULL))
);
CREATE INDEX invitation_organisation ON invitation (organisation_id);

-- Failed sign-ins per e-mail address and per client address, in fixed
-- windows; kept in the database so that every worker sees the same count.
CREATE TABLE login_failure (
	subject text PRIMARY KEY, -- 'e:' || email or 'a:' || address
	window_start timestamptz NOT NULL,
	failures integer NOT NULL
);

-- Who did what. Never passwords, tokens or answers.
CREATE TABLE audit_log (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	actor_id bigint REFERENCES app_user (id) ON DELETE SET NULL,
	action text NOT NULL,
	organisation_id bigint REFERENCES organisation (id) ON DELETE SET NULL,
	detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);

INSERT INTO setting (key, value, description) VALUES
	('login_failures_per_email', '10', 'failed sign-ins per e-mail address and window before 429'),
	('login_failures_per_address', '100', 'failed sign-ins per client address and window before 429 (a town hall shares one address)'),
	('login_window_minutes', '15', 'length of the sign-in throttling window');

CREATE FUNCTION rg_setting_int(p_key text, p_default integer) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT value::integer FROM setting WHERE key = p_key), p_default)
$$;

-- Row-level security: enabled and forced, so even the owner's queries go
-- through the policies (the admin tool sets rg.role = 'admin').
ALTER TABLE organisation ENABLE ROW LEVEL SECURITY;
ALTER TABLE organisation FORCE ROW LEVEL SECURITY;
CREATE POLICY organisation_read ON organisation FOR SELECT
	USING (rg_role() IN ('coordinator', 'admin') OR id = rg_org());
CREATE POLICY organisation_write ON organisation FOR ALL
	USING (rg_role() = 'admin') WITH CHECK (rg_role() = 'admin');

ALTER TABLE app_user ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_user FORCE ROW LEVEL SECURITY;
CREATE POLICY app_user_read ON app_user FOR SELECT
	USING (rg_role() = 'admin' OR id = rg_user()
		OR (rg_role() = 'coordinator' AND role = 'respondent'));
CREATE POLICY app_user_write ON app_user FOR ALL
	USING (rg_role() = 'admin') WITH CHECK (rg_role() = 'admin');

ALTER TABLE invitation ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitation FORCE ROW LEVEL SECURITY;
CREATE POLICY invitation_read ON invitation FOR SELECT
	USING (rg_role() = 'admin' OR (rg_role() = 'coordinator' AND role = 'respondent'));
CREATE POLICY invitation_insert ON invitation FOR INSERT
	WITH CHECK (rg_role() = 'admin' OR (rg_role() = 'coordinator'
		AND role = 'respondent' AND invited_by = rg_user()));
CREATE POLICY invitation_admin ON invitation FOR ALL
	USING (rg_role() = 'admin') WITH CHECK (rg_role() = 'admin');

ALTER TABLE session ENABLE ROW LEVEL SECURITY;
ALTER TABLE session FORCE ROW LEVEL SECURITY;
CREATE POLICY session_admin ON session FOR ALL
	USING (rg_role() = 'admin') WITH CHECK (rg_role() = 'admin');

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_insert ON audit_log FOR INSERT WITH CHECK (true);
CREATE POLICY audit_admin ON audit_log FOR SELECT USING (rg_role() = 'admin');

ALTER TABLE login_failure ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_failure FORCE ROW LEVEL SECURITY;
CREATE POLICY login_failure_admin ON login_failure FOR ALL
	USING (rg_role() = 'admin') WITH CHECK (rg_role() = 'admin');

-- Functions that run as the owner (SECURITY DEFINER) do the few things the
-- application role may do with sessions, passwords and throttling, and
-- nothing more: it cannot list sessions or read password hashes. Since
-- row-level security is forced on the owner too, each raises rg.role to
-- 'admin' for its own statements and puts the caller's value back before
-- it returns (a function SET clause cannot set a custom parameter without
-- superuser rights in PostgreSQL 15).

-- Sets the request's identity from a session token hash, when the session
-- is valid (idle and absolute lifetime), and touches it. Returns the user,
-- or no row. Call inside the request's transaction.
CREATE FUNCTION rg_session_begin(p_hash bytea)
RETURNS TABLE (user_id bigint, role text, organisation_id bigint)
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
	WHERE se.token_hash = p_hash AND se.expires_at > pg_catalog.now()
	  AND se.last_seen_at > pg_catalog.now() - pg_catalog.make_interval(
		mins => public.rg_setting_int('session_idle_minutes', 60));
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
	RETURN NEXT;
END $$;

-- The password hash and profile of an account by e-mail, for sign-in.
CREATE FUNCTION rg_login_lookup(p_email text)
RETURNS TABLE (user_id bigint, password_hash text, role text, name text,
	organisation_id bigint, organisation_name text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	prev text := rg_role();
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	RETURN QUERY SELECT u.id, u.password_hash, u.role, u.name, o.id, o.name
	FROM app_user u LEFT JOIN organisation o ON o.id = u.organisation_id
	WHERE u.email = lower(p_email);
	PERFORM set_config('rg.role', prev, true);
END $$;

-- Seconds to wait before the e-mail address may try again; 0 when free.
CREATE FUNCTION rg_login_blocked(p_email text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	prev text := rg_role();
	wait integer;
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	SELECT coalesce(max(ceil(extract(epoch FROM
		window_start + make_interval(mins => rg_setting_int('login_window_minutes', 15)) - now()))::integer), 0)
	INTO wait
	FROM login_failure
	WHERE subject = 'e:' || lower(p_email)
	  AND failures >= rg_setting_int('login_failures_per_email', 10)
	  AND window_start > now() - make_interval(mins => rg_setting_int('login_window_minutes', 15));
	PERFORM set_config('rg.role', prev, true);
	RETURN wait;
END $$;

-- Counts a failed sign-in for the e-mail and the client address; returns
-- the seconds to wait when either is now over its limit, 0 otherwise.
CREATE FUNCTION rg_login_failed(p_email text, p_addr text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	win interval := make_interval(mins => rg_setting_int('login_window_minutes', 15));
	fe integer;
	fa integer;
	se timestamptz;
	sa timestamptz;
	prev text := rg_role();
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	INSERT INTO login_failure AS f (subject, window_start, failures)
	VALUES ('e:' || lower(p_email), now(), 1)
	ON CONFLICT (subject) DO UPDATE SET
		failures = CASE WHEN f.window_start > now() - win THEN f.failures + 1 ELSE 1 END,
		window_start = CASE WHEN f.window_start > now() - win THEN f.window_start ELSE now() END
	RETURNING failures, window_start INTO fe, se;
	INSERT INTO login_failure AS f (subject, window_start, failures)
	VALUES ('a:' || p_addr, now(), 1)
	ON CONFLICT (subject) DO UPDATE SET
		failures = CASE WHEN f.window_start > now() - win THEN f.failures + 1 ELSE 1 END,
		window_start = CASE WHEN f.window_start > now() - win THEN f.window_start ELSE now() END
	RETURNING failures, window_start INTO fa, sa;
	PERFORM set_config('rg.role', prev, true);
	IF fe >= rg_setting_int('login_failures_per_email', 10) THEN
		RETURN greatest(1, ceil(extract(epoch FROM se + win - now()))::integer);
	END IF;
	IF fa >= rg_setting_int('login_failures_per_address', 100) THEN
		RETURN greatest(1, ceil(extract(epoch FROM sa + win - now()))::integer);
	END IF;
	RETURN 0;
END $$;

-- A successful sign-in: clears the e-mail's failures, stores the session,
-- replaces the password hash when it was rehashed, and audits it.
CREATE FUNCTION rg_login_succeeded(p_user bigint, p_email text, p_hash bytea,
	p_new_password_hash text, p_addr text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	prev text := rg_role();
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	DELETE FROM login_failure WHERE subject = 'e:' || lower(p_email);
	INSERT INTO session (token_hash, user_id, expires_at)
	VALUES (p_hash, p_user, now() + make_interval(hours => rg_setting_int('session_absolute_hours', 12)));
	IF p_new_password_hash IS NOT NULL THEN
		UPDATE app_user SET password_hash = p_new_password_hash WHERE id = p_user;
	END IF;
	INSERT INTO audit_log (actor_id, action, detail)
	VALUES (p_user, 'login', jsonb_build_object('address', p_addr));
	PERFORM set_config('rg.role', prev, true);
END $$;

-- Ends a session at once.
CREATE FUNCTION rg_session_end(p_hash bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	prev text := rg_role();
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	DELETE FROM session WHERE token_hash = p_hash;
	PERFORM set_config('rg.role', prev, true);
END $$;

-- Accepts an invitation: creates the account and its session. Returns the
-- new account, or no row when the token is unknown, used or expired, or an
-- account with the invited address exists already.
CREATE FUNCTION rg_invitation_accept(p_token_hash bytea, p_name text,
	p_password_hash text, p_session_hash bytea)
RETURNS TABLE (user_id bigint, email text, role text, name text,
	organisation_id bigint, organisation_name text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	inv invitation;
	uid bigint;
	prev text := rg_role();
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	SELECT * INTO inv FROM invitation i
	WHERE i.token_hash = p_token_hash AND i.accepted_at IS NULL AND i.expires_at > now()
	FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM set_config('rg.role', prev, true);
		RETURN;
	END IF;
	INSERT INTO app_user AS u (email, name, role, organisation_id, password_hash)
	VALUES (inv.email, p_name, inv.role, inv.organisation_id, p_password_hash)
	ON CONFLICT DO NOTHING
	RETURNING u.id INTO uid;
	IF uid IS NULL THEN
		PERFORM set_config('rg.role', prev, true);
		RETURN;
	END IF;
	UPDATE invitation SET accepted_at = now(), user_id = uid WHERE id = inv.id;
	INSERT INTO session (token_hash, user_id, expires_at)
	VALUES (p_session_hash, uid, now() + make_interval(hours => rg_setting_int('session_absolute_hours', 12)));
	INSERT INTO audit_log (actor_id, action, organisation_id, detail)
	VALUES (uid, 'invitation_accepted', inv.organisation_id,
		jsonb_build_object('invitation', inv.id, 'role', inv.role));
	RETURN QUERY SELECT uid, inv.email, inv.role, p_name, o.id, o.name
		FROM (SELECT 1) one LEFT JOIN organisation o ON o.id = inv.organisation_id;
	PERFORM set_config('rg.role', prev, true);
END $$;

REVOKE ALL ON FUNCTION rg_session_begin(bytea), rg_login_lookup(text),
	rg_login_blocked(text), rg_login_failed(text, text),
	rg_login_succeeded(bigint, text, bytea, text, text),
	rg_session_end(bytea), rg_invitation_accept(bytea, text, text, bytea)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_session_begin(bytea), rg_login_lookup(text),
	rg_login_blocked(text), rg_login_failed(text, text),
	rg_login_succeeded(bigint, text, bytea, text, text),
	rg_session_end(bytea), rg_invitation_accept(bytea, text, text, bytea)
	TO reifegrad_app;

GRANT SELECT, INSERT, UPDATE ON organisation TO reifegrad_app;
-- Every column but the password hash: only rg_login_lookup() reads it.
GRANT SELECT (id, email, name, role, organisation_id, created_at) ON app_user
	TO reifegrad_app;
GRANT SELECT, INSERT ON invitation TO reifegrad_app;
GRANT INSERT ON audit_log TO reifegrad_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO reifegrad_app;
