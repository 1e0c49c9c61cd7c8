-- OGC API collections of the solution level: reports, project footprint versions, challenges.

-- A report describes its project as of its measurement point, until the project's next report:
-- validity [point date, next report's point date). Geometry: the project's footprint version
-- valid at the point (NULL when no footprint was loaded for it).
--
-- Each is a function of known_at (NULL: as believed now) so that `known_at` (a transaction time)
-- answers from the rows believed then, in the inner lookups too (the next report, the footprint
-- of the time); the views are the functions at NULL. SECURITY DEFINER: the web server's role
-- reads only kc.api_*, the functions read the tables as their owner. The collections are small
-- (one row per project and point), so the functions need no inlining.
DROP FUNCTION IF EXISTS kc.api_reports_known(timestamptz) CASCADE;
CREATE FUNCTION kc.api_reports_known(known_at timestamptz)
RETURNS TABLE (
    id bigint, feature_id text, project text, city text, thematic_field text, title kc.i18n_text,
    point text, valid_from date, valid_to date, status text, status_label kc.i18n_text,
    progress double precision, objectives kc.i18n_text, partners kc.i18n_text,
    drivers kc.i18n_text, barriers kc.i18n_text, corrective_actions kc.i18n_text,
    risks kc.i18n_text, lessons_learned kc.i18n_text, reported_on date, challenges text[],
    recorded_at timestamptz, geom geometry
) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
SELECT r.report_id AS id,
       p.code AS feature_id,
       p.code AS project,
       p.city_code AS city,
       p.thematic_field,
       p.title,
       r.point_code AS point,
       m.valid_at AS valid_from,
       lead(m.valid_at) OVER (PARTITION BY r.project_id ORDER BY m.valid_at) AS valid_to,
       r.status,
       s.label AS status_label,
       r.progress::double precision AS progress,
       r.objectives, r.partners, r.drivers, r.barriers, r.corrective_actions, r.risks,
       r.lessons_learned,
       r.reported_on,
       ARRAY(SELECT rc.challenge_code FROM kc.report_challenge rc
              WHERE rc.report_id = r.report_id ORDER BY 1) AS challenges,
       r.recorded_at,
       (SELECT v.footprint FROM kc.project_validity pv
          JOIN kc.project_version v ON v.version_id = pv.version_id
         WHERE pv.project_id = r.project_id
           AND kc.believed(pv.recorded_at, pv.superseded_at, known_at)
           AND pv.valid_from <= m.valid_at AND (pv.valid_to IS NULL OR pv.valid_to > m.valid_at)
       )::geometry(Geometry, 4326) AS geom
  FROM kc.report r
  JOIN kc.project p ON p.project_id = r.project_id
  JOIN kc.measurement_point m ON m.code = r.point_code
  JOIN kc.implementation_status s ON s.code = r.status
 WHERE kc.believed(r.recorded_at, r.superseded_at, known_at)
$$;

CREATE VIEW kc.api_reports AS
SELECT id, feature_id, project, city, thematic_field, title, point, valid_from, valid_to, status,
       status_label, progress, objectives, partners, drivers, barriers, corrective_actions, risks,
       lessons_learned, reported_on, challenges, recorded_at,
       geom::geometry(Geometry, 4326) AS geom
  FROM kc.api_reports_known(NULL);
COMMENT ON VIEW kc.api_reports IS 'OGC API: Common Reporting, one report per project and measurement point';
GRANT SELECT ON kc.api_reports TO kc_reader;

-- A project footprint version with the report of its time: the latest report whose measurement
-- point falls inside the version's validity (a version that spans several points shows the most
-- recent one; report_point says which).
DROP FUNCTION IF EXISTS kc.api_projects_known(timestamptz) CASCADE;
CREATE FUNCTION kc.api_projects_known(known_at timestamptz)
RETURNS TABLE (
    id bigint, feature_id text, project text, city text, thematic_field text, title kc.i18n_text,
    valid_from date, valid_to date, status text, status_label kc.i18n_text,
    buildings_touched integer, buildings text[], report_point text, progress double precision,
    objectives kc.i18n_text, drivers kc.i18n_text, barriers kc.i18n_text,
    corrective_actions kc.i18n_text, risks kc.i18n_text, lessons_learned kc.i18n_text,
    recorded_at timestamptz, geom geometry
) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
SELECT pv.version_id AS id,
       p.code AS feature_id,
       p.code AS project,
       p.city_code AS city,
       p.thematic_field,
       p.title,
       pv.valid_from,
       pv.valid_to,
       v.status,
       s.label AS status_label,
       (SELECT count(*) FROM kc.project_touch t WHERE t.version_id = pv.version_id)::integer
           AS buildings_touched,
       ARRAY(SELECT b.city_code || '/' || b.source_id FROM kc.project_touch t
               JOIN kc.building b ON b.building_id = t.building_id
              WHERE t.version_id = pv.version_id ORDER BY 1) AS buildings,
       rep.point AS report_point,
       rep.progress,
       rep.objectives, rep.drivers, rep.barriers, rep.corrective_actions, rep.risks,
       rep.lessons_learned,
       pv.recorded_at,
       v.footprint AS geom
  FROM kc.project_validity pv
  JOIN kc.project_version v ON v.version_id = pv.version_id
  JOIN kc.project p ON p.project_id = pv.project_id
  JOIN kc.implementation_status s ON s.code = v.status
  LEFT JOIN LATERAL (
      SELECT r.point_code AS point, r.progress::double precision AS progress, r.objectives,
             r.drivers, r.barriers, r.corrective_actions, r.risks, r.lessons_learned
        FROM kc.report r
        JOIN kc.measurement_point m ON m.code = r.point_code
       WHERE r.project_id = pv.project_id
         AND kc.believed(r.recorded_at, r.superseded_at, known_at)
         AND m.valid_at >= pv.valid_from AND (pv.valid_to IS NULL OR m.valid_at < pv.valid_to)
       ORDER BY m.valid_at DESC
       LIMIT 1
  ) rep ON true
 WHERE kc.believed(pv.recorded_at, pv.superseded_at, known_at)
$$;

CREATE VIEW kc.api_projects AS
SELECT id, feature_id, project, city, thematic_field, title, valid_from, valid_to, status,
       status_label, buildings_touched, buildings, report_point, progress, objectives, drivers,
       barriers, corrective_actions, risks, lessons_learned, recorded_at,
       geom::geometry(Geometry, 4326) AS geom
  FROM kc.api_projects_known(NULL);
COMMENT ON VIEW kc.api_projects IS 'OGC API: project footprint versions with the report of their time';
GRANT SELECT ON kc.api_projects TO kc_reader;

-- Thematic level: which cities, at which points, in which thematic fields raise each challenge.
DROP VIEW IF EXISTS kc.api_challenges CASCADE;
CREATE VIEW kc.api_challenges AS
WITH raised AS (
    SELECT rc.challenge_code, p.city_code, p.thematic_field, p.code AS project, r.point_code,
           m.valid_at
      FROM kc.report_challenge rc
      JOIN kc.report r ON r.report_id = rc.report_id AND r.superseded_at IS NULL
      JOIN kc.project p ON p.project_id = r.project_id
      JOIN kc.measurement_point m ON m.code = r.point_code
)
SELECT c.code AS id,
       c.label,
       c.controlled,
       (SELECT count(DISTINCT x.city_code) FROM raised x WHERE x.challenge_code = c.code)::integer
           AS city_count,
       ARRAY(SELECT DISTINCT x.city_code FROM raised x WHERE x.challenge_code = c.code ORDER BY 1)
           AS cities,
       ARRAY(SELECT x.point_code FROM raised x WHERE x.challenge_code = c.code
              GROUP BY x.point_code ORDER BY min(x.valid_at)) AS points,
       ARRAY(SELECT DISTINCT x.thematic_field FROM raised x WHERE x.challenge_code = c.code
              ORDER BY 1) AS thematic_fields,
       ARRAY(SELECT DISTINCT x.city_code || '@' || x.point_code FROM raised x
              WHERE x.challenge_code = c.code ORDER BY 1) AS raised_by,
       ARRAY(SELECT DISTINCT x.project FROM raised x WHERE x.challenge_code = c.code ORDER BY 1)
           AS projects,
       (SELECT ST_Multi(ST_Union(ci.boundary)) FROM kc.city ci
         WHERE ci.code IN (SELECT x.city_code FROM raised x WHERE x.challenge_code = c.code)
       )::geometry(Geometry, 4326) AS geom
  FROM kc.challenge c;
COMMENT ON VIEW kc.api_challenges IS 'OGC API: challenges and the cities, points and fields that raise them';
GRANT SELECT ON kc.api_challenges TO kc_reader;
