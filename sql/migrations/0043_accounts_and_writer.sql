-- Accounts of the people who enter the Common Reporting on the web, and the database role that
-- writes what they enter.
--
-- Accounts live in their own schema, kc_auth, not in kc: the OGC API's ETag is derived from
-- kc.data_change, which every statement on a kc table bumps; a password change or a new account
-- is not a change of the served data and must not invalidate every client's cache. Nothing in
-- kc_auth is served by the API (kc_reader has no USAGE on it).
--
-- Roles: anonymous readers need no account (the API reads as kc_reader); an editor may write the
-- projects and reports of the cities listed in kc_auth.account_city; a coordinator those of
-- every city. Passwords are Argon2id hashes (PHC string format), never the password itself.
CREATE SCHEMA kc_auth;
COMMENT ON SCHEMA kc_auth IS 'Knowledge Carrier: accounts of editors and coordinators (not served)';

CREATE TABLE kc_auth.account (
    name                text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._@-]{1,62}$'),
    password_hash       text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    coordinator         boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE kc_auth.account IS 'An editor (cities in account_city) or a coordinator (all cities)';

CREATE TABLE kc_auth.account_city (
    account   text NOT NULL REFERENCES kc_auth.account ON DELETE CASCADE,
    city_code text NOT NULL REFERENCES kc.city,
    PRIMARY KEY (account, city_code)
);
COMMENT ON TABLE kc_auth.account_city IS 'The cities whose projects and reports an editor may write';

-- Who wrote what: a write through the API records the account in its load run (the file loads
-- of kc leave it NULL; their source names the file).
ALTER TABLE kc.load_run ADD COLUMN written_by text;
COMMENT ON COLUMN kc.load_run.written_by IS 'The account that wrote this through the web (NULL: a kc load)';

-- kc_writer: what writing projects and reports needs, nothing more. It reads the store (to
-- validate and to version), inserts new reports, project identities, versions, validity rows,
-- touches and load runs, and may set superseded_at (the triggers of 0041 allow it once, from
-- NULL): never a building, never another column of a past row, never a delete.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'kc_writer') THEN
        CREATE ROLE kc_writer NOLOGIN;
    END IF;
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO kc_writer', current_database());
END
$$;
COMMENT ON ROLE kc_writer IS 'Knowledge Carrier: writes reports and projects through the web server';
GRANT USAGE ON SCHEMA kc, kc_auth TO kc_writer;
GRANT SELECT ON kc.city, kc.thematic_field, kc.measurement_point, kc.implementation_status,
    kc.load_run, kc.building, kc.building_version, kc.building_validity, kc.project,
    kc.project_version, kc.project_validity, kc.project_touch, kc.challenge, kc.report,
    kc.report_challenge TO kc_writer;
GRANT INSERT ON kc.load_run, kc.project, kc.project_version, kc.project_validity,
    kc.project_touch, kc.challenge, kc.report, kc.report_challenge TO kc_writer;
GRANT UPDATE (superseded_at) ON kc.report, kc.project_validity TO kc_writer;
GRANT UPDATE (thematic_field, title) ON kc.project TO kc_writer;
DO $$
BEGIN
    -- apply_snapshot allocates version ids from the identity's sequence (nextval).
    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO kc_writer',
                   pg_get_serial_sequence('kc.project_version', 'version_id'));
END
$$;
-- The statement trigger note_data_change runs as the writer: it bumps the data version.
GRANT SELECT, UPDATE ON kc.data_change TO kc_writer;
GRANT SELECT ON kc_auth.account, kc_auth.account_city TO kc_writer;
