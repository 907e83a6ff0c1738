-- 006_retention: how long personal data is kept (GDPR art. 5(1)(e)), and
-- the rights the operator's tool needs to enforce it and to answer
-- erasure requests (art. 17). `reifegrad-admin housekeeping` applies the
-- settings below; `org erase` and `user erase` remove data on request.
-- Their reasons are documented in deploy/README.md ("Settings").
--
-- What is not here keeps no personal data past its use: sessions go as
-- soon as they expire, sign-in counters as soon as their window is over
-- (both with every housekeeping run); submitted responses are the survey's
-- purpose (trends across waves) and stay until the municipality's data is
-- erased.

INSERT INTO setting (key, value, description) VALUES
	('retention_audit_days', '730', 'audit entries older than this many days are deleted (0: kept for ever)'),
	('retention_addresses_days', '90', 'client and e-mail addresses in audit entries are removed after this many days (0: kept)'),
	('retention_drafts_days', '365', 'responses still drafts are deleted this many days after their wave closed (0: kept)'),
	('retention_invitations_days', '30', 'invitations never accepted are deleted this many days after they expired (0: kept)')
ON CONFLICT (key) DO NOTHING;

-- The audit log is append-only for the program (it may only INSERT); the
-- operator's tool, which runs as the owner with rg.role = 'admin', may
-- remove personal details from entries and delete expired ones.
CREATE POLICY audit_admin_update ON audit_log FOR UPDATE
	USING (rg_role() = 'admin') WITH CHECK (rg_role() = 'admin');
CREATE POLICY audit_admin_delete ON audit_log FOR DELETE
	USING (rg_role() = 'admin');

-- Housekeeping finds old entries and expired invitations by time.
CREATE INDEX invitation_expires ON invitation (expires_at) WHERE accepted_at IS NULL;
CREATE INDEX login_failure_window ON login_failure (window_start);
