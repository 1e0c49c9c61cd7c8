-- What kc.building_feature stores (migration 0052): each believed building version's GeoJSON
-- feature as the OGC API writes it (gis.api.provider.feature_sql over kc.api_buildings, every
-- property, storage CRS) with its version links (kc.version_links from kc.version_neighbour),
-- the items URL as the placeholder U+0001 (see 0052). tests/api/test_building_features.py
-- checks the stored texts against what the server writes without them, for every version.
--
-- Reads kc.api_buildings, the one definition of a building feature's columns. Pinned settings:
-- the text must not depend on the session that loads (the server reads in UTC too).
-- SECURITY DEFINER: the triggers run as whoever writes validity rows (kc_writer,
-- kc_history_purger), none of whom may write the table directly.
DROP FUNCTION IF EXISTS kc.refresh_building_features(bigint[]) CASCADE;
CREATE FUNCTION kc.refresh_building_features(idents bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public SET TimeZone = 'UTC' SET extra_float_digits = 1 AS $$
BEGIN
    IF cardinality(idents) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM kc.building_feature f WHERE f.building_id = ANY (idents);
    INSERT INTO kc.building_feature (version_id, building_id, body, links)
    SELECT id, n.ident,
           '{"type":"Feature","id":' || coalesce(to_json(id)::text, 'null')
           || ',"geometry":' || coalesce(ST_AsGeoJSON(geom, 17, 0), 'null')
           || ',"properties":{"feature_id":' || coalesce(to_json(feature_id)::text, 'null')
           || ',"city":' || coalesce(to_json(city)::text, 'null')
           || ',"source_id":' || coalesce(to_json(source_id)::text, 'null')
           || ',"valid_from":' || coalesce(to_json(valid_from)::text, 'null')
           || ',"valid_to":' || coalesce(to_json(valid_to)::text, 'null')
           || ',"height":' || coalesce(CASE WHEN height = trunc(height) AND abs(height) < 1e15
                  THEN (height)::float8::text || '.0' ELSE to_json(height)::text END, 'null')
           || ',"height_estimated":' || coalesce(to_json(height_estimated)::text, 'null')
           || ',"storeys":' || coalesce(to_json(storeys)::text, 'null')
           || ',"base_elevation":' || coalesce(CASE WHEN base_elevation = trunc(base_elevation)
                  AND abs(base_elevation) < 1e15 THEN (base_elevation)::float8::text || '.0'
                  ELSE to_json(base_elevation)::text END, 'null')
           || ',"source_crs":' || coalesce(to_json(source_crs)::text, 'null')
           || ',"lod":' || coalesce(to_json(lod)::text, 'null')
           || ',"recorded_at":' || coalesce(to_json(to_char(recorded_at,
                  'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN mod(extract(microseconds FROM
                  recorded_at)::bigint, 1000000) = 0 THEN '' ELSE to_char(recorded_at, '.US')
                  END || to_char(recorded_at, 'TZH:TZM'))::text, 'null')
           || '},"links":',
           kc.version_links(chr(1), feature_id, n.predecessor, n.successor, n.latest, '') || '}'
      FROM kc.api_buildings f
      JOIN kc.version_neighbour n ON n.kind = 'buildings' AND n.version_id = f.id
     WHERE n.ident = ANY (idents);
END
$$;
COMMENT ON FUNCTION kc.refresh_building_features IS
    'Write kc.building_feature again for every believed version of the given buildings';
REVOKE ALL ON FUNCTION kc.refresh_building_features(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kc.refresh_building_features(bigint[]) TO kc_writer, kc_history_purger;
