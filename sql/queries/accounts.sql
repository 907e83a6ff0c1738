-- Sessions, sign-in, accounts, invitations (see 002_accounts.sql for the
-- functions that run as the owner).

-- name: session_begin
SELECT user_id, role, coalesce(organisation_id, 0), cache_v, valid_until
FROM rg_session_begin($1::bytea, true)
WHERE user_id IS NOT NULL

-- name: session_end
SELECT rg_session_end($1::bytea)

-- name: login_blocked
SELECT rg_login_blocked($1)

-- name: login_lookup
SELECT user_id, password_hash, role, name, organisation_id, organisation_name
FROM rg_login_lookup($1)

-- name: login_failed
SELECT rg_login_failed($1, $2)

-- name: login_succeeded
SELECT rg_login_succeeded($1::bigint, $2, $3::bytea, $4, $5)

-- name: audit
INSERT INTO audit_log (actor_id, action, organisation_id, detail)
VALUES (nullif($1, '0')::bigint, $2, $3::bigint, coalesce($4::jsonb, '{}'))

-- name: me
SELECT u.id, u.email, u.name, u.role, o.id, o.name
FROM app_user u LEFT JOIN organisation o ON o.id = u.organisation_id
WHERE u.id = rg_user()

-- name: invitation_create
INSERT INTO invitation (token_hash, email, role, organisation_id, invited_by, expires_at)
VALUES ($1::bytea, $2, $3, $4::bigint, rg_user(),
	now() + make_interval(days => rg_setting_int('invitation_days', 14)))
RETURNING id

-- name: invitation_accept
SELECT user_id, email, role, name, organisation_id, organisation_name
FROM rg_invitation_accept($1::bytea, $2, $3, $4::bytea)
