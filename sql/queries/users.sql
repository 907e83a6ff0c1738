-- Accounts for admins: GET /users and PATCH /users/{id}. Row-level
-- security (002_accounts: app_user_read) shows an admin every account;
-- the column grants keep password_hash out of every statement here.

-- name: user_list
-- $1 role, $2 organisation id, $3 part of the name or e-mail address
-- (case-insensitive), each NULL for no filter; $4, $5 the e-mail address
-- and id of the last row shown (NULL: the first page); $6 rows to fetch.
SELECT u.id, u.email, u.name, u.role, o.id, o.name, rg_iso(u.created_at)
FROM app_user u LEFT JOIN organisation o ON o.id = u.organisation_id
WHERE ($1::text IS NULL OR u.role = $1)
  AND ($2::bigint IS NULL OR u.organisation_id = $2::bigint)
  AND ($3::text IS NULL OR strpos(lower(u.name), lower($3)) > 0
	OR strpos(u.email, lower($3)) > 0)
  AND ($4::text IS NULL
	OR (u.email COLLATE "C", u.id) > ($4 COLLATE "C", $5::bigint))
ORDER BY u.email COLLATE "C", u.id
LIMIT $6

-- name: user_lock
-- Changes of accounts take turns (until the end of the transaction), so
-- that two admins who demote each other at the same time cannot both see
-- the other one as the admin who remains.
SELECT pg_advisory_xact_lock(727265690009)

-- name: user_state
-- The account's role, organisation and name, and how many other admins
-- there are. Read after user_lock.
SELECT u.role, u.organisation_id, u.name,
	(SELECT count(*) FROM app_user a WHERE a.role = 'admin' AND a.id <> u.id)
FROM app_user u WHERE u.id = $1

-- name: user_update
-- $2 the new role, $3 the new organisation (NULL: none), $4 the new name
-- (NULL: unchanged). Columns: the account as user_list has them, then its
-- previous role and organisation and the number of sessions ended.
SELECT user_id, email, name, role, organisation_id, organisation_name,
	created_at, old_role, old_organisation_id, sessions_ended
FROM rg_user_update($1::bigint, $2, $3::bigint, $4)
