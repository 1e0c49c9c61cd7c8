-- What the OGC API's ETag and Last-Modified are derived from: one row counting the changes of
-- the data it serves. A statement-level trigger on every table of schema kc bumps it (once per
-- statement, however many rows), so any load, correction or reference seed changes the tags
-- and a client's conditional request gets the new data; nothing else ever does. A migration
-- that adds a table to kc must add the trigger too (tests/api/test_caching.py checks it).
CREATE TABLE kc.data_change (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version    bigint NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO kc.data_change DEFAULT VALUES;
COMMENT ON TABLE kc.data_change IS 'How often, and when last, the data served by the API changed';

CREATE FUNCTION kc.note_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE kc.data_change SET version = version + 1, changed_at = clock_timestamp();
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tablename FROM pg_catalog.pg_tables
              WHERE schemaname = 'kc' AND tablename <> 'data_change'
    LOOP
        EXECUTE format(
            'CREATE TRIGGER note_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
            'ON kc.%I FOR EACH STATEMENT EXECUTE FUNCTION kc.note_data_change()', t.tablename);
    END LOOP;
END
$$;
