-- The web server's roles must not create anything, temporary tables included (kc_reader only
-- reads the kc.api_* views). PostgreSQL grants TEMPORARY on every database to PUBLIC, so it is
-- revoked from PUBLIC here and granted back to the role that migrates, which is the role the
-- loaders run as (they stage with temp tables). `kc serve` does the same whenever it sets up
-- its login role, since a database created from a template does not inherit this grant.
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO CURRENT_USER', current_database());
END
$$;
