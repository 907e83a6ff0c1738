-- 007_metrics: what /api/v1/metrics may read without an identity: the
-- number of submissions per wave (counts only, no organisation).
CREATE FUNCTION rg_submissions_per_wave()
RETURNS TABLE (wave_id bigint, submitted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	prev text := rg_role();
BEGIN
	PERFORM set_config('rg.role', 'admin', true);
	RETURN QUERY SELECT r.wave_id, count(*) FROM response r
		WHERE r.state = 'submitted' GROUP BY r.wave_id ORDER BY r.wave_id;
	PERFORM set_config('rg.role', prev, true);
END $$;
REVOKE ALL ON FUNCTION rg_submissions_per_wave() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rg_submissions_per_wave() TO reifegrad_app;
