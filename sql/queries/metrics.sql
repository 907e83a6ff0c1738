-- /api/v1/metrics

-- name: metrics_submissions
SELECT wave_id, submitted FROM rg_submissions_per_wave()

-- name: metrics_pending
SELECT rg_snapshot_pending()
