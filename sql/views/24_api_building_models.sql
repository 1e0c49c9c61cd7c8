-- The 3D model of each building version loaded from a city model (CityGML / CityJSON), served as
-- CityJSON by /models/buildings/{id} (gis/api/models.py): its typed surfaces with x, y back in
-- the source CRS (what CityJSON clients expect: metres, the city's own grid) and z as in the
-- source. Versions without surfaces (footprints) are not here: their model is the footprint.
DROP VIEW IF EXISTS kc.api_building_models CASCADE;
CREATE VIEW kc.api_building_models AS
SELECT v.version_id AS id,
       b.city_code || '/' || b.source_id AS feature_id,
       b.source_id,
       v.lod,
       v.source_crs,
       v.vertical_datum,
       v.ellipsoid_offset,
       v.geoid,
       v.surface_types,
       v.surface_parts,
       v.source_attributes,
       CASE WHEN v.source_crs ~ '^EPSG:[0-9]+$'
            THEN ST_Transform(v.geom_3d, substr(v.source_crs, 6)::integer)
            ELSE v.geom_3d END AS geom
  FROM kc.building_version v
  JOIN kc.building b ON b.building_id = v.building_id
 WHERE v.surface_types IS NOT NULL;
COMMENT ON VIEW kc.api_building_models IS 'OGC API: the 3D surfaces of city-model building versions, by version id';
GRANT SELECT ON kc.api_building_models TO kc_reader;
