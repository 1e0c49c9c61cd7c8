-- OGC API collections of the city and thematic levels, and the measurement points.

DROP VIEW IF EXISTS kc.api_cities CASCADE;
CREATE VIEW kc.api_cities AS
SELECT c.code AS id,
       c.name, c.role, c.country, c.district, c.concept, c.objectives, c.vision,
       (SELECT count(*) FROM kc.project p WHERE p.city_code = c.code)::integer AS project_count,
       coalesce(c.boundary::geometry, c.centre)::geometry(Geometry, 4326) AS geom
  FROM kc.city c;
COMMENT ON VIEW kc.api_cities IS 'OGC API: city level (concept, objectives, vision; the district boundary, else the city centre)';
GRANT SELECT ON kc.api_cities TO kc_reader;

DROP VIEW IF EXISTS kc.api_thematic_fields CASCADE;
CREATE VIEW kc.api_thematic_fields AS
SELECT t.code AS id,
       t.name,
       t.sort_order,
       (SELECT count(*) FROM kc.project p WHERE p.thematic_field = t.code)::integer AS project_count,
       ARRAY(SELECT DISTINCT p.city_code FROM kc.project p
              WHERE p.thematic_field = t.code ORDER BY 1) AS cities,
       NULL::geometry(Geometry, 4326) AS geom
  FROM kc.thematic_field t;
COMMENT ON VIEW kc.api_thematic_fields IS 'OGC API: the thematic fields and which cities run projects in each';
GRANT SELECT ON kc.api_thematic_fields TO kc_reader;

-- A measurement point stands for the period until the next one: snapshots loaded at it are
-- valid from its date, so its validity is [valid_at, next point's valid_at).
DROP VIEW IF EXISTS kc.api_measurement_points CASCADE;
CREATE VIEW kc.api_measurement_points AS
SELECT m.code AS id,
       m.label,
       m.project_month,
       m.valid_at,
       m.valid_at AS valid_from,
       lead(m.valid_at) OVER (ORDER BY m.valid_at) AS valid_to,
       NULL::geometry(Geometry, 4326) AS geom
  FROM kc.measurement_point m;
COMMENT ON VIEW kc.api_measurement_points IS 'OGC API: measurement points, each valid until the next';
GRANT SELECT ON kc.api_measurement_points TO kc_reader;
