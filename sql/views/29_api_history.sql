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
           storeys, base_elevation, source_crs, lod, recorded_at, geom
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

-- Every validity row of both kinds with what valid-time order needs: read by the version links
-- of each feature the server writes (kc.version_neighbours). A view the server's role may read,
-- so the neighbours function is plain SQL that PostgreSQL inlines into the page's statement:
-- the kind is a constant there, the other kind's branch is dropped, and each neighbour is one
-- index lookup (a SECURITY DEFINER function cannot be inlined: 88 us a feature instead).
DROP VIEW IF EXISTS kc.api_version_timeline CASCADE;
CREATE VIEW kc.api_version_timeline AS
SELECT 'buildings'::text AS kind, r.building_id AS ident, r.version_id, r.valid_from,
       r.recorded_at, r.superseded_at
  FROM kc.building_validity r
UNION ALL
SELECT 'projects'::text, r.project_id, r.version_id, r.valid_from, r.recorded_at, r.superseded_at
  FROM kc.project_validity r;
COMMENT ON VIEW kc.api_version_timeline IS 'Valid-time order of every version (version links)';
GRANT SELECT ON kc.api_version_timeline TO kc_reader;

-- The neighbours of versions in their features' valid-time order, as believed at known_at: for
-- each version (one row each), the version before it, the one after it, and the latest (the one
-- valid last). Set-based: a page joins it once for all its features (a lookup per feature, a
-- subquery planned and run for each row, cost twice as much). Each feature's versions are read
-- by one index scan and aggregated once. No row for a version not believed at known_at.
DROP FUNCTION IF EXISTS kc.version_neighbours(text, bigint, timestamptz) CASCADE;
DROP FUNCTION IF EXISTS kc.version_neighbours(text, bigint[], timestamptz) CASCADE;
CREATE FUNCTION kc.version_neighbours(kind text, versions bigint[], known_at timestamptz DEFAULT NULL)
RETURNS TABLE (version bigint, predecessor bigint, successor bigint, latest bigint)
LANGUAGE sql STABLE AS $$
    SELECT r.version_id,
           (array_agg(t.version_id ORDER BY t.valid_from DESC)
                FILTER (WHERE t.valid_from < r.valid_from))[1],
           (array_agg(t.version_id ORDER BY t.valid_from)
                FILTER (WHERE t.valid_from > r.valid_from))[1],
           (array_agg(t.version_id ORDER BY t.valid_from DESC))[1]
      FROM kc.api_version_timeline r
      JOIN kc.api_version_timeline t
        ON t.kind = r.kind AND t.ident = r.ident
       AND kc.believed(t.recorded_at, t.superseded_at, known_at)
     WHERE r.kind = version_neighbours.kind AND r.version_id = ANY (versions)
       AND kc.believed(r.recorded_at, r.superseded_at, known_at)
     GROUP BY r.version_id
$$;
