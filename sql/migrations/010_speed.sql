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
