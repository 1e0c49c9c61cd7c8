-- "State at T": the versions whose validity contains T, as currently believed, or as believed
-- at transaction time known_at (bitemporal "what did we know at S about T").
DROP FUNCTION IF EXISTS kc.believed(timestamptz, timestamptz, timestamptz) CASCADE;
CREATE FUNCTION kc.believed(recorded_at timestamptz, superseded_at timestamptz, known_at timestamptz)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN known_at IS NULL THEN superseded_at IS NULL
                ELSE recorded_at <= known_at AND (superseded_at IS NULL OR superseded_at > known_at)
           END
$$;
COMMENT ON FUNCTION kc.believed IS 'Was a row believed at known_at (NULL: is it believed now)?';

DROP FUNCTION IF EXISTS kc.building_state(date, timestamptz) CASCADE;
CREATE FUNCTION kc.building_state(at date, known_at timestamptz DEFAULT NULL)
RETURNS TABLE (
    version_id bigint, building_id bigint, city_code text, source_id text,
    valid_from date, valid_to date, recorded_at timestamptz,
    footprint geometry, height double precision, height_estimated boolean, storeys integer,
    base_elevation double precision, geom_3d geometry, source_crs text, source_attributes jsonb,
    lod smallint, surface_types text[], surface_parts smallint[], vertical_datum text,
    ellipsoid_offset double precision, geoid text
) LANGUAGE sql STABLE AS $$
    SELECT r.version_id, r.building_id, b.city_code, b.source_id,
           r.valid_from, r.valid_to, r.recorded_at,
           v.footprint, v.height, v.height_estimated, v.storeys,
           v.base_elevation, v.geom_3d, v.source_crs, v.source_attributes,
           v.lod, v.surface_types, v.surface_parts, v.vertical_datum, v.ellipsoid_offset, v.geoid
      FROM kc.building_validity r
      JOIN kc.building_version v ON v.version_id = r.version_id
      JOIN kc.building b ON b.building_id = r.building_id
     WHERE r.valid_from <= at AND (r.valid_to IS NULL OR r.valid_to > at)
       AND kc.believed(r.recorded_at, r.superseded_at, known_at)
$$;

DROP FUNCTION IF EXISTS kc.project_state(date, timestamptz) CASCADE;
CREATE FUNCTION kc.project_state(at date, known_at timestamptz DEFAULT NULL)
RETURNS TABLE (
    version_id bigint, project_id bigint, code text, city_code text, thematic_field text,
    title jsonb, valid_from date, valid_to date, recorded_at timestamptz,
    footprint geometry, status text, attributes jsonb, building_ids bigint[]
) LANGUAGE sql STABLE AS $$
    SELECT r.version_id, r.project_id, p.code, p.city_code, p.thematic_field, p.title,
           r.valid_from, r.valid_to, r.recorded_at, v.footprint, v.status, v.attributes,
           ARRAY(SELECT t.building_id FROM kc.project_touch t
                  WHERE t.version_id = r.version_id ORDER BY t.building_id)
      FROM kc.project_validity r
      JOIN kc.project_version v ON v.version_id = r.version_id
      JOIN kc.project p ON p.project_id = r.project_id
     WHERE r.valid_from <= at AND (r.valid_to IS NULL OR r.valid_to > at)
       AND kc.believed(r.recorded_at, r.superseded_at, known_at)
$$;
