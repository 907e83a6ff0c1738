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
