-- 004_benchmarks: published peer statistics.
--
-- Statistics are snapshots (API.md "Definitions"): a peer group's figures
-- change only after at least k submissions (or reopenings) since its last
-- snapshot, or when the wave closes (then final), so that nobody can read
-- a single newcomer's score off a change. The program computes them
-- (cgi/snapshot.c with the pure cgi/stats.c); the database groups.

-- One row per wave and peer group (by = size_class, kind, state,
-- urbanisation or network; value = the group's attribute, '' for the
-- network). stats: {"overall": {"n","p25","median","p75","mean"}, "D1":
-- ...}; scores: the sorted scores per dimension, for the percentile rank
-- of a member that submitted after the snapshot, and for histograms.
CREATE TABLE peer_snapshot (
	wave_id bigint NOT NULL REFERENCES wave (id) ON DELETE CASCADE,
	peer_by text NOT NULL CHECK (peer_by IN ('size_class', 'kind', 'state',
		'urbanisation', 'network')),
	peer_value text NOT NULL,
	n integer NOT NULL,
	stats jsonb NOT NULL,
	scores jsonb NOT NULL,
	as_of timestamptz NOT NULL DEFAULT now(),
	final boolean NOT NULL DEFAULT false,
	PRIMARY KEY (wave_id, peer_by, peer_value)
);

-- Changes (submissions and reopenings) per group since its snapshot.
CREATE TABLE peer_change (
	wave_id bigint NOT NULL REFERENCES wave (id) ON DELETE CASCADE,
	peer_by text NOT NULL,
	peer_value text NOT NULL,
	changes integer NOT NULL DEFAULT 0,
	PRIMARY KEY (wave_id, peer_by, peer_value)
);

-- A member's percentile ranks within the snapshots that contain it, one
-- row per response: {"size_class": {"overall": 71, "D1": 60, ...},
-- "network": {...}}.
CREATE TABLE snapshot_rank (
	response_id bigint PRIMARY KEY REFERENCES response (id) ON DELETE CASCADE,
	organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
	ranks jsonb NOT NULL
);
CREATE INDEX snapshot_rank_organisation ON snapshot_rank (organisation_id);

ALTER TABLE snapshot_rank ENABLE ROW LEVEL SECURITY;
ALTER TABLE snapshot_rank FORCE ROW LEVEL SECURITY;
CREATE POLICY snapshot_rank_read ON snapshot_rank FOR SELECT
	USING (organisation_id = rg_org() OR rg_role() IN ('coordinator', 'admin'));
-- Snapshots are written in the transaction of a submission, whoever
-- submits, but as the system (cgi/snapshot.c sets rg.role to admin for the
-- while). A policy FOR ALL would also grant SELECT: everyone would read
-- every rank; so writing has policies of its own, for the system only.
CREATE POLICY snapshot_rank_insert ON snapshot_rank FOR INSERT
	WITH CHECK (rg_role() = 'admin');
CREATE POLICY snapshot_rank_update ON snapshot_rank FOR UPDATE
	USING (rg_role() = 'admin') WITH CHECK (rg_role() = 'admin');
CREATE POLICY snapshot_rank_delete ON snapshot_rank FOR DELETE
	USING (rg_role() = 'admin');

-- The peer groups of an organisation, as (by, value) pairs.
CREATE FUNCTION rg_peer_groups(o organisation)
RETURNS TABLE (peer_by text, peer_value text) LANGUAGE sql STABLE AS $$
	SELECT * FROM (VALUES
		('size_class', o.size_class::text),
		('kind', o.kind),
		('state', o.state),
		('urbanisation', o.urbanisation::text),
		('network', '')) g (peer_by, peer_value)
	WHERE g.peer_value IS NOT NULL
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON peer_snapshot, peer_change, snapshot_rank
	TO reifegrad_app;
