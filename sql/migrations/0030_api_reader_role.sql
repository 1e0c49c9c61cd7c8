-- The web server only reads. kc_reader is the group role that holds exactly what the OGC API
-- serves (SELECT on the kc.api_* views, granted by each view file in sql/views/ because views are
-- redeployed whole and lose their grants). Login roles (the managed cluster's kc_api, or a role a
-- city's DBA creates for KC_READER_DATABASE_URL) are made members of it. Roles are cluster-wide:
-- create it only when missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'kc_reader') THEN
        CREATE ROLE kc_reader NOLOGIN;
    END IF;
END
$$;
COMMENT ON ROLE kc_reader IS 'Knowledge Carrier: read-only access to the OGC API views (kc.api_*)';
GRANT USAGE ON SCHEMA kc TO kc_reader;
