-- History through the OGC API (issue 12): `known_at` and the change feeds.
--
-- `known_at` on buildings reads kc.api_buildings_known(known_at): the rows of
-- kc.api_buildings_all believed at that instant. A plain SQL function over a view the server's
-- role may read, so PostgreSQL inlines it and the page's filters and order reach the indexes.
-- (Projects and reports: kc.api_projects_known, kc.api_reports_known in 22_api_reports.sql.)
DROP FUNCTION IF EXISTS kc.api_buildings_known(timestamptz) CASCADE;
CREATE FUNCTION kc.api_buildings_known(known_at timestamptz)
RETURNS SETOF kc.api_buildings LANGUAGE sql STABLE AS $$
    SELECT id, feature_id, city, source_id, valid_from, valid_to, height, height_estimated,
           storeys, base_elevation, source_crs, recorded_at, geom
      FROM kc.api_buildings_all
     WHERE kc.believed(recorded_at, superseded_at, known_at)
$$;
COMMENT ON FUNCTION kc.api_buildings_known IS 'OGC API buildings as believed at known_at';

-- The change feeds as collections (sql/functions/50_history.sql): every change at every point.
-- The server reads the functions themselves, with the request's datetime as their bounds and
-- its known_at; these views give pygeoapi the columns and their types.
DROP VIEW IF EXISTS kc.api_building_changes CASCADE;
CREATE VIEW kc.api_building_changes AS
SELECT id, change, feature_id, city, source_id, point, point_date, version_id,
       previous_version_id, changed_properties, correction, superseded_version_id, height,
       height_estimated, storeys, base_elevation, source_crs, recorded_at,
       geom::geometry(MultiPolygon, 4326) AS geom
  FROM kc.building_changes(NULL, NULL, NULL);
COMMENT ON VIEW kc.api_building_changes IS 'OGC API: the change feed of buildings';
GRANT SELECT ON kc.api_building_changes TO kc_reader;

DROP VIEW IF EXISTS kc.api_project_changes CASCADE;
CREATE VIEW kc.api_project_changes AS
SELECT id, change, feature_id, city, thematic_field, title, point, point_date, version_id,
       previous_version_id, changed_properties, correction, superseded_version_id, status,
       buildings, recorded_at, geom::geometry(Geometry, 4326) AS geom
  FROM kc.project_changes(NULL, NULL, NULL);
COMMENT ON VIEW kc.api_project_changes IS 'OGC API: the change feed of projects';
GRANT SELECT ON kc.api_project_changes TO kc_reader;
