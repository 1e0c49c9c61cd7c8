-- The stored feature texts of the buildings believed now (migration 0052), as the server reads
-- them for a page (gis.api.provider: the ``stored_features`` key of the buildings collection).
DROP VIEW IF EXISTS kc.api_building_features CASCADE;
CREATE VIEW kc.api_building_features AS
SELECT version_id, body, links FROM kc.building_feature;
COMMENT ON VIEW kc.api_building_features IS
    'GeoJSON text of every building version believed now (stored; links with a URL placeholder)';
GRANT SELECT ON kc.api_building_features TO kc_reader;

-- Every text written again: this file is redeployed whenever it, the functions before it
-- (kc.refresh_building_features, kc.version_links) or the views before it (kc.api_buildings)
-- change, and then what a text holds may have changed.
SELECT kc.refresh_building_features(ARRAY(SELECT building_id FROM kc.building));
