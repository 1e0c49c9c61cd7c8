-- OGC API collection "buildings": one feature per building version as currently believed.
-- id = version id (unique per version), feature_id = the stable identity "city/source id".
DROP VIEW IF EXISTS kc.api_buildings CASCADE;
CREATE VIEW kc.api_buildings AS
SELECT r.version_id AS id,
       b.city_code || '/' || b.source_id AS feature_id,
       b.city_code AS city,
       b.source_id,
       r.valid_from,
       r.valid_to,
       v.height,
       v.height_estimated,
       v.storeys,
       v.base_elevation,
       v.source_crs,
       r.recorded_at,
       v.footprint AS geom
  FROM kc.building_validity r
  JOIN kc.building_version v ON v.version_id = r.version_id
  JOIN kc.building b ON b.building_id = r.building_id
 WHERE r.superseded_at IS NULL;
COMMENT ON VIEW kc.api_buildings IS 'OGC API: building versions with their validity [valid_from, valid_to)';
GRANT SELECT ON kc.api_buildings TO kc_reader;
