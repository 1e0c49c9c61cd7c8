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

-- The change feed of the reports (Common Reporting): one feature per project and point where a
-- report starts, with the report it leads to as the reports collection has it
-- (kc.api_reports_known: status, texts, challenges, the footprint of its point), the project's
-- previous report and the names of what differs from it. A report holds until the project's
-- next report, so the changes are new (a project's first report) and changed (a later one:
-- changed_properties may be empty when it says the same again); correction: it replaced a
-- report of the same point (superseded_version_id).
DROP FUNCTION IF EXISTS kc.report_changes(date, date, timestamptz, text) CASCADE;
DROP FUNCTION IF EXISTS kc.report_changes(date, date, timestamptz, text, timestamptz) CASCADE;
DROP FUNCTION IF EXISTS kc.report_changes_recorded(date, date, timestamptz, timestamptz, text) CASCADE;
DROP FUNCTION IF EXISTS kc.report_change_rows(text, date, date, timestamptz, text, timestamptz) CASCADE;
DROP TYPE IF EXISTS kc.report_change CASCADE;
CREATE TYPE kc.report_change AS (
    id bigint, change text, feature_id text, project text, city text, thematic_field text,
    title jsonb, point text, point_date date, version_id bigint, previous_version_id bigint,
    changed_properties text[], correction boolean, superseded_version_id bigint, status text,
    status_label jsonb, progress double precision, objectives jsonb, partners jsonb,
    drivers jsonb, barriers jsonb, corrective_actions jsonb, risks jsonb, lessons_learned jsonb,
    reported_on date, challenges text[], recorded_at timestamptz, geom geometry
);
-- The rows, for mode 'changes' or 'recorded' (kc.feed_rows). Plain SQL, inlined into the two
-- functions below with its mode a constant, so only that core is planned.
CREATE FUNCTION kc.report_change_rows(mode text, from_date date, to_date date, known_at timestamptz,
                              in_city text, recorded_after timestamptz)
RETURNS SETOF kc.report_change LANGUAGE sql STABLE AS $$
-- the reports believed at known_at and, with recorded_after, those believed then (what ended)
WITH report AS MATERIALIZED (
    SELECT DISTINCT ON (r.id) r.* FROM (
        SELECT 1 AS rank, * FROM kc.api_reports_known(known_at)
        UNION ALL
        SELECT 2, * FROM kc.api_reports_known(recorded_after) WHERE recorded_after IS NOT NULL) r
     ORDER BY r.id, r.rank)
SELECT c.change_id, c.change, v.feature_id, v.project, v.city, v.thematic_field, v.title::jsonb,
       c.point, c.at, c.version, c.old_version,
       CASE WHEN c.change = 'changed' THEN kc.changed_names(
           ARRAY['geometry', 'status', 'progress', 'objectives', 'partners', 'drivers', 'barriers',
                 'corrective_actions', 'risks', 'lessons_learned', 'reported_on', 'challenges'],
           ARRAY[kc.feed_geometry(o.geom) IS DISTINCT FROM kc.feed_geometry(v.geom),
                 o.status IS DISTINCT FROM v.status,
                 o.progress IS DISTINCT FROM v.progress,
                 o.objectives::jsonb IS DISTINCT FROM v.objectives::jsonb,
                 o.partners::jsonb IS DISTINCT FROM v.partners::jsonb,
                 o.drivers::jsonb IS DISTINCT FROM v.drivers::jsonb,
                 o.barriers::jsonb IS DISTINCT FROM v.barriers::jsonb,
                 o.corrective_actions::jsonb IS DISTINCT FROM v.corrective_actions::jsonb,
                 o.risks::jsonb IS DISTINCT FROM v.risks::jsonb,
                 o.lessons_learned::jsonb IS DISTINCT FROM v.lessons_learned::jsonb,
                 o.reported_on IS DISTINCT FROM v.reported_on,
                 o.challenges IS DISTINCT FROM v.challenges])
       ELSE '{}'::text[] END,
       c.correction, c.superseded_version, v.status, v.status_label::jsonb, v.progress,
       v.objectives::jsonb, v.partners::jsonb, v.drivers::jsonb, v.barriers::jsonb,
       v.corrective_actions::jsonb, v.risks::jsonb, v.lessons_learned::jsonb, v.reported_on,
       v.challenges, c.recorded_at, v.geom
  FROM kc.feed_rows(mode, 'reports', from_date, to_date, known_at, recorded_after) c
  JOIN report v ON v.id = c.version
  LEFT JOIN report o ON o.id = c.old_version
 WHERE in_city IS NULL OR v.city = in_city
$$;
-- The feed: the changes at the points in [from_date, to_date], as known at known_at.
CREATE FUNCTION kc.report_changes(from_date date, to_date date, known_at timestamptz DEFAULT NULL,
                        in_city text DEFAULT NULL)
RETURNS SETOF kc.report_change LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT * FROM kc.report_change_rows('changes', from_date, to_date, known_at, in_city, NULL)
$$;
-- With recorded_after: what was recorded after it up to known_at about those points' states.
CREATE FUNCTION kc.report_changes_recorded(from_date date, to_date date, recorded_after timestamptz,
                                 known_at timestamptz DEFAULT NULL, in_city text DEFAULT NULL)
RETURNS SETOF kc.report_change LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT * FROM kc.report_change_rows('recorded', from_date, to_date, known_at, in_city, recorded_after)
$$;
COMMENT ON FUNCTION kc.report_changes IS
    'Change feed of reports: a project''s new and changed reports at each date in [from, to], as known at known_at';
-- (Here, not in sql/functions/50_history.sql with the other two: it reads kc.api_reports_known.)

DROP VIEW IF EXISTS kc.api_report_changes CASCADE;
CREATE VIEW kc.api_report_changes AS
SELECT id, change, feature_id, project, city, thematic_field, title, point, point_date,
       version_id, previous_version_id, changed_properties, correction, superseded_version_id,
       status, status_label, progress, objectives, partners, drivers, barriers,
       corrective_actions, risks, lessons_learned, reported_on, challenges, recorded_at,
       geom::geometry(Geometry, 4326) AS geom
  FROM kc.report_changes(NULL, NULL, NULL);
COMMENT ON VIEW kc.api_report_changes IS 'OGC API: the change feed of the reports';
GRANT SELECT ON kc.api_report_changes TO kc_reader;

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
