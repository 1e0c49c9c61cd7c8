-- Each believed building version's GeoJSON feature as text, kept by the database (issue 15).
--
-- A page of 100 buildings cost PostgreSQL about 3 ms, 1.8 ms of it writing each feature's JSON
-- (ST_AsGeoJSON, the properties, the version links) on every request, against ~1.2 ms for
-- finding the page. A believed version's feature never changes but for its links, and those
-- change only when the validity rows of its building do: the text is stored here, one row per
-- version believed now, and the page statement only reads it (kc.api_building_features,
-- gis.api.provider). Kept as kc.version_neighbour is (migration 0051): statement triggers on
-- kc.building_validity with transition tables recompute, set-based, every version of the
-- buildings a statement touched, in the same transaction (loads, corrections, writes,
-- kc.purge_feature). They fire after 0051's (triggers fire in name order), so the links read the
-- neighbours just stored. What makes a text is kc.refresh_building_features
-- (sql/functions/55_building_features.sql); sql/views/30_api_building_features.sql writes them
-- all again whenever it or the view it reads is redeployed.
--
-- body: the feature up to and with '"links":'; links: its links and the closing brace, the
-- items URL written as the placeholder \u0001 (the server puts in its own URL; the rest of the
-- links text is ids and percent-encoded feature ids, which never hold it).
CREATE TABLE kc.building_feature (
    version_id  bigint PRIMARY KEY,
    building_id bigint NOT NULL,
    body        text NOT NULL,
    links       text NOT NULL
);
CREATE INDEX building_feature_building ON kc.building_feature (building_id);
COMMENT ON TABLE kc.building_feature IS
    'Each believed building version''s GeoJSON feature text (links apart), kept by triggers';
CREATE TRIGGER note_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kc.building_feature
    FOR EACH STATEMENT EXECUTE FUNCTION kc.note_data_change();

-- The buildings whose validity rows a statement wrote (transition table "changed").
CREATE FUNCTION kc.building_features_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM kc.refresh_building_features(ARRAY(SELECT DISTINCT c.building_id FROM changed c));
    RETURN NULL;
END
$$;

CREATE TRIGGER version_texts_insert AFTER INSERT ON kc.building_validity
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION kc.building_features_changed();
CREATE TRIGGER version_texts_update AFTER UPDATE ON kc.building_validity
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION kc.building_features_changed();
CREATE TRIGGER version_texts_delete AFTER DELETE ON kc.building_validity
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION kc.building_features_changed();
