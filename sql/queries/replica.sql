-- Read-only routes served by a hot standby (cgi/dispatch.c,
-- 008_read_replica.sql): the session check that never writes.

-- name: session_check
-- As session_begin, plus whether the session is due a touch (which the
-- program then gives it on the primary).
SELECT user_id, role, coalesce(organisation_id, 0), cache_v, valid_until, touch
FROM rg_session_begin($1::bytea, false)
WHERE user_id IS NOT NULL

-- name: in_recovery
-- Whether the server is a standby, asked once per connection when it does
-- not report in_hot_standby itself (PostgreSQL before 14, pgbouncer).
SELECT pg_is_in_recovery()
