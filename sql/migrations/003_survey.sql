-- 003_survey: questionnaires, survey waves, and each municipality's
-- response. A response keeps its answers in one jsonb document, so that an
-- autosave or a submit is one statement on one row (measured: 60 single-row
-- inserts per transaction run ten times slower than one 3 KB jsonb row).

CREATE FUNCTION rg_iso(t timestamptz) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- A questionnaire is immutable once stored; a change is a new version.
-- digest is the BLAKE2b hash of the canonical definition, so loading the
-- same file twice finds the same questionnaire.
CREATE TABLE questionnaire (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
	version integer NOT NULL CHECK (version BETWEEN 1 AND 10000),
	title jsonb NOT NULL,
	definition jsonb NOT NULL,
	digest bytea NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (slug, version)
);

CREATE FUNCTION rg_questionnaire_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'a questionnaire cannot be changed; store a new version'
		USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER questionnaire_immutable BEFORE UPDATE ON questionnaire
	FOR EACH ROW EXECUTE FUNCTION rg_questionnaire_immutable();

-- A wave's state follows from its dates: planned before opens_at, open
-- until closes_at, closed after. Opening or closing by hand moves a date.
CREATE TABLE wave (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	questionnaire_id bigint NOT NULL REFERENCES questionnaire (id),
	title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	opens_at timestamptz NOT NULL,
	closes_at timestamptz NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	CHECK (closes_at > opens_at)
);
CREATE INDEX wave_questionnaire ON wave (questionnaire_id);

CREATE FUNCTION rg_wave_state(w wave) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN now() < w.opens_at THEN 'planned'
		WHEN now() < w.closes_at THEN 'open' ELSE 'closed' END
$$;

CREATE TABLE response (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	wave_id bigint NOT NULL REFERENCES wave (id),
	organisation_id bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
	state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted')),
	revision integer NOT NULL DEFAULT 1 CHECK (revision >= 0),
	answers jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(answers) = 'object'),
	answered integer NOT NULL DEFAULT 0,
	updated_at timestamptz NOT NULL DEFAULT now(),
	updated_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
	updated_by_name text NOT NULL DEFAULT '',
	submitted_at timestamptz,
	submitted_revision integer,
	-- Scores, written at submit in the same statement (API.md
	-- "Definitions"): {"overall", "stage", "dimensions": {"D1": ..}}.
	scores jsonb,
	overall double precision,
	UNIQUE (wave_id, organisation_id),
	CHECK ((state = 'submitted') = (scores IS NOT NULL AND submitted_at IS NOT NULL))
);
CREATE INDEX response_organisation ON response (organisation_id);
CREATE INDEX response_submitted ON response (wave_id) WHERE state = 'submitted';

ALTER TABLE response ENABLE ROW LEVEL SECURITY;
ALTER TABLE response FORCE ROW LEVEL SECURITY;
-- A municipality sees and writes its own response only. Coordinators and
-- admins read every response (the API shows them participation and, only
-- with consent, scores) and may reopen; researchers read for exports,
-- which anonymise.
CREATE POLICY response_read ON response FOR SELECT
	USING (organisation_id = rg_org()
		OR rg_role() IN ('coordinator', 'admin', 'researcher'));
CREATE POLICY response_insert ON response FOR INSERT
	WITH CHECK (organisation_id = rg_org() AND rg_role() = 'respondent'
		OR rg_role() = 'admin');
CREATE POLICY response_update ON response FOR UPDATE
	USING (organisation_id = rg_org() AND rg_role() = 'respondent'
		OR rg_role() IN ('coordinator', 'admin'))
	WITH CHECK (organisation_id = rg_org() AND rg_role() = 'respondent'
		OR rg_role() IN ('coordinator', 'admin'));
CREATE POLICY response_delete ON response FOR DELETE
	USING (rg_role() = 'admin');

GRANT SELECT, INSERT ON questionnaire TO reifegrad_app;
GRANT SELECT, INSERT, UPDATE ON wave TO reifegrad_app;
GRANT SELECT, INSERT, UPDATE ON response TO reifegrad_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO reifegrad_app;
