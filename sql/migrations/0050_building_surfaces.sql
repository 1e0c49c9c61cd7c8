-- True 3D buildings (CityGML / CityJSON LoD1-2): the LoD of each version, the semantics of its
-- surfaces and what its heights are measured from.
--
-- geom_3d of a city-model version is a GEOMETRYCOLLECTION Z of MULTIPOLYGON Z, one member per
-- surface (a thematic surface of the source, or one derived from a solid's faces), lon/lat in
-- EPSG:4326 and z as in the source. surface_types[i] is member i's type, surface_parts[i] the
-- part it belongs to (0 = the building itself, k = source_attributes->'parts'->(k-1)).
-- Footprint-only versions keep lod 0 and NULL surfaces: they are drawn as extruded footprints.
ALTER TABLE kc.building_version
    ADD COLUMN lod smallint NOT NULL DEFAULT 0 CHECK (lod BETWEEN 0 AND 2),
    ADD COLUMN surface_types text[],
    ADD COLUMN surface_parts smallint[],
    ADD COLUMN vertical_datum text CHECK (length(vertical_datum) > 0),
    ADD COLUMN ellipsoid_offset double precision
        CHECK (ellipsoid_offset > -500 AND ellipsoid_offset < 500),
    ADD COLUMN geoid text CHECK (length(geoid) > 0),
    ADD CONSTRAINT building_version_surfaces_match CHECK (
        surface_types IS NULL
        OR (geom_3d IS NOT NULL
            AND cardinality(surface_types) = ST_NumGeometries(geom_3d)
            AND cardinality(surface_parts) = cardinality(surface_types)
            AND surface_types <@ ARRAY['roof', 'wall', 'ground', 'closure', 'outer_ceiling',
                                       'outer_floor', 'other']::text[])),
    ADD CONSTRAINT building_version_lod_has_3d CHECK (lod = 0 OR geom_3d IS NOT NULL),
    ADD CONSTRAINT building_version_offset_has_geoid CHECK ((ellipsoid_offset IS NULL) = (geoid IS NULL));

COMMENT ON COLUMN kc.building_version.lod IS 'CityGML level of detail of the stored geometry: 0 footprint (+ height), 1 block, 2 roofs';
COMMENT ON COLUMN kc.building_version.surface_types IS 'Type of each member of geom_3d: roof, wall, ground, closure, outer_ceiling, outer_floor, other';
COMMENT ON COLUMN kc.building_version.surface_parts IS 'Part of each member of geom_3d: 0 the building, k its k-th part (source_attributes.parts)';
COMMENT ON COLUMN kc.building_version.vertical_datum IS 'What geom_3d z is measured from (e.g. NGF-IGN69 height, Wiener Null); NULL unknown';
COMMENT ON COLUMN kc.building_version.ellipsoid_offset IS 'Add to geom_3d z for WGS 84 ellipsoidal height (datum offset + geoid height at the building)';
COMMENT ON COLUMN kc.building_version.geoid IS 'The geoid model ellipsoid_offset comes from';
