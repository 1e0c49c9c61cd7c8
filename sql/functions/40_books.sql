-- Project Books and the cross-topic challenge analysis: what each implementation project looked
-- like at a measurement point, and which challenges the currently believed reports raise.
-- One definition here, so the books, the viewer and the API cannot disagree.

DROP FUNCTION IF EXISTS kc.point_date(text) CASCADE;
CREATE FUNCTION kc.point_date(point text)
RETURNS date LANGUAGE plpgsql STABLE AS $$
DECLARE
    d date;
BEGIN
    SELECT m.valid_at INTO d FROM kc.measurement_point m WHERE m.code = point;
    IF d IS NULL THEN
        RAISE EXCEPTION 'unknown measurement point %, expected one of %', point,
            (SELECT string_agg(code, ', ' ORDER BY valid_at) FROM kc.measurement_point)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN d;
END
$$;

DROP FUNCTION IF EXISTS kc.previous_point(text) CASCADE;
CREATE FUNCTION kc.previous_point(point text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT m.code FROM kc.measurement_point m
     WHERE m.valid_at < kc.point_date(point)
     ORDER BY m.valid_at DESC LIMIT 1
$$;
COMMENT ON FUNCTION kc.previous_point IS 'The measurement point just before point (NULL for the first)';

-- Every project that exists at a point: it has a footprint version valid at the point's date, or a
-- currently believed report for the point, or both. The status is the report's when there is one
-- (the Common Reporting is what the Project Books document), else the footprint version's.
DROP FUNCTION IF EXISTS kc.project_at_point(text) CASCADE;
CREATE FUNCTION kc.project_at_point(point text)
RETURNS TABLE (
    project_id bigint, code text, city_code text, thematic_field text, title jsonb,
    status text, status_source text, progress numeric,
    version_id bigint, footprint geometry, attributes jsonb, building_ids bigint[],
    report_id bigint, objectives jsonb, partners jsonb, drivers jsonb, barriers jsonb,
    corrective_actions jsonb, risks jsonb, lessons_learned jsonb, reported_on date,
    challenges text[]
) LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    at date := kc.point_date(point);  -- refuses an unknown point even when nothing is loaded
BEGIN
    RETURN QUERY
    WITH st AS (SELECT * FROM kc.project_state(at)),
         rep AS (SELECT * FROM kc.report r
                  WHERE r.point_code = point AND r.superseded_at IS NULL)
    SELECT p.project_id, p.code, p.city_code, p.thematic_field, p.title::jsonb,
           coalesce(r.status, st.status),
           CASE WHEN r.report_id IS NOT NULL THEN 'report' ELSE 'footprint' END::text,
           r.progress,
           st.version_id, st.footprint, coalesce(st.attributes, '{}'::jsonb),
           coalesce(st.building_ids, '{}'::bigint[]),
           r.report_id, r.objectives::jsonb, r.partners::jsonb, r.drivers::jsonb,
           r.barriers::jsonb, r.corrective_actions::jsonb, r.risks::jsonb,
           r.lessons_learned::jsonb, r.reported_on,
           ARRAY(SELECT c.challenge_code FROM kc.report_challenge c
                  WHERE c.report_id = r.report_id ORDER BY c.challenge_code)
      FROM kc.project p
      LEFT JOIN st ON st.project_id = p.project_id
      LEFT JOIN rep r ON r.project_id = p.project_id
     WHERE st.project_id IS NOT NULL OR r.report_id IS NOT NULL;
END
$$;
COMMENT ON FUNCTION kc.project_at_point IS
    'Projects at a measurement point: footprint version and/or current report, status from the report first';

-- The cross-topic analysis: one row per challenge, city and thematic field raised by the currently
-- believed reports of the point, with the reports and projects that raise it, how many cities and
-- fields share the challenge, and whether it was raised at the previous point at all.
DROP FUNCTION IF EXISTS kc.challenge_matrix(text) CASCADE;
CREATE FUNCTION kc.challenge_matrix(point text)
RETURNS TABLE (
    challenge_code text, label jsonb, controlled boolean, city_code text, thematic_field text,
    report_ids bigint[], project_codes text[], city_count integer, field_count integer,
    shared boolean, new_since_previous boolean, new_in_city boolean, previous_point text
) LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    previous text := kc.previous_point(point);  -- refuses an unknown point
BEGIN
    RETURN QUERY
    WITH prev AS (SELECT previous AS code),
    raised AS (
        SELECT rc.challenge_code, p.city_code, p.thematic_field, r.point_code,
               r.report_id, p.code AS project_code
          FROM kc.report r
          JOIN kc.report_challenge rc ON rc.report_id = r.report_id
          JOIN kc.project p ON p.project_id = r.project_id
         WHERE r.superseded_at IS NULL
           AND r.point_code IN (SELECT point UNION ALL SELECT code FROM prev)
    ),
    here AS (SELECT * FROM raised WHERE point_code = point),
    before AS (SELECT * FROM raised WHERE point_code IS DISTINCT FROM point),
    spread AS (
        SELECT h.challenge_code, count(DISTINCT h.city_code)::integer AS city_count,
               count(DISTINCT h.thematic_field)::integer AS field_count
          FROM here h GROUP BY h.challenge_code
    )
    SELECT h.challenge_code, c.label::jsonb, c.controlled, h.city_code, h.thematic_field,
           array_agg(DISTINCT h.report_id ORDER BY h.report_id),
           array_agg(DISTINCT h.project_code ORDER BY h.project_code),
           s.city_count, s.field_count, s.city_count >= 2,
           NOT EXISTS (SELECT 1 FROM before b WHERE b.challenge_code = h.challenge_code),
           NOT EXISTS (SELECT 1 FROM before b WHERE b.challenge_code = h.challenge_code
                                               AND b.city_code = h.city_code),
           (SELECT code FROM prev)
      FROM here h
      JOIN kc.challenge c ON c.code = h.challenge_code
      JOIN spread s ON s.challenge_code = h.challenge_code
     GROUP BY h.challenge_code, c.label, c.controlled, h.city_code, h.thematic_field,
              s.city_count, s.field_count
     ORDER BY h.challenge_code, h.city_code, h.thematic_field;
END
$$;
COMMENT ON FUNCTION kc.challenge_matrix IS
    'Challenges by city and thematic field at a point, from the currently believed reports';
