-- 009_users: admins manage accounts through the API (GET /users,
-- PATCH /users/{id}).
--
-- The program still never changes app_user itself (it has no UPDATE
-- right on it, tests/sql/002_rls.sql checks that) and never sees a
-- session: rg_user_update() below, run as the owner, changes the three
-- things an admin may change (role, organisation, name; never the e-mail
-- address or the password hash) and ends the account's sessions when its
-- role or organisation changed, so that what the account may do changes
-- at once. Whether a change is allowed (a respondent needs an
-- organisation, the last admin stays) the program checks before it calls
-- the function; the table's CHECK constraint holds either way.

-- The list of accounts is ordered by e-mail address in byte order, then
-- id: the keyset of its cursor.
CREATE INDEX app_user_email_c ON app_user (email COLLATE "C", id);

-- Changes an account for an admin: its role, its organisation (NULL for
-- none) and, when p_name is not NULL, its name. Returns the account as it
-- is now, with its previous role and organisation and the number of
-- sessions ended; no row when there is no such account. Raises
-- insufficient_privilege unless the request's identity is an admin.
CREATE FUNCTION rg_user_update(p_user bigint, p_role text, p_org bigint,
	p_name text)
RETURNS TABLE (user_id bigint, email text, name text, role text,
	organisation_id bigint, organisation_name text, created_at text,
	old_role text, old_organisation_id bigint, sessions_ended integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	prev text := rg_role();
	o_role text;
	o_org bigint;
	n integer := 0;
BEGIN
	IF prev IS DISTINCT FROM 'admin' THEN
		RAISE EXCEPTION 'only an admin changes accounts'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	-- The caller is an admin, so the policies app_user_write and
	-- session_admin admit every statement below; the function lends only
	-- the owner's table rights. rg.role is set (and put back) all the
	-- same, as in every function of 002_accounts.
	PERFORM set_config('rg.role', 'admin', true);
	SELECT u.role, u.organisation_id INTO o_role, o_org
	FROM app_user u WHERE u.id = p_user FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM set_config('rg.role', prev, true);
		RETURN;
	END IF;
	UPDATE app_user u SET role = p_role, organisation_id = p_org,
		name = coalesce(p_name, u.name)
	WHERE u.id = p_user;
	IF o_role IS DISTINCT FROM p_role OR o_org IS DISTINCT FROM p_org THEN
		DELETE FROM session s WHERE s.user_id = p_user;
		GET DIAGNOSTICS n = ROW_COUNT;
	END IF;
	RETURN QUERY SELECT u.id, u.email, u.name, u.role, o.id, o.name,
		rg_iso(u.created_at), o_role, o_org, n
	FROM app_user u LEFT JOIN organisation o ON o.id = u.organisation_id
	WHERE u.id = p_user;
	PERFORM set_config('rg.role', prev, true);
END $$;

REVOKE ALL ON FUNCTION rg_user_update(bigint, text, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_user_update(bigint, text, bigint, text)
	TO reifegrad_app;
