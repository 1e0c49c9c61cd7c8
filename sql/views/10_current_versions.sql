-- Every version as currently believed, with its validity: what the API and the exporter read.
DROP VIEW IF EXISTS kc.building_version_current CASCADE;
CREATE VIEW kc.building_version_current AS
SELECT r.version_id, r.building_id, b.city_code, b.source_id,
       r.valid_from, r.valid_to, r.recorded_at,
       v.footprint, v.height, v.height_estimated, v.storeys, v.base_elevation,
       v.geom_3d, v.source_crs, v.source_attributes
  FROM kc.building_validity r
  JOIN kc.building_version v ON v.version_id = r.version_id
  JOIN kc.building b ON b.building_id = r.building_id
 WHERE r.superseded_at IS NULL;

DROP VIEW IF EXISTS kc.project_version_current CASCADE;
CREATE VIEW kc.project_version_current AS
SELECT r.version_id, r.project_id, p.code, p.city_code, p.thematic_field, p.title,
       r.valid_from, r.valid_to, r.recorded_at, v.footprint, v.status, v.attributes
  FROM kc.project_validity r
  JOIN kc.project_version v ON v.version_id = r.version_id
  JOIN kc.project p ON p.project_id = r.project_id
 WHERE r.superseded_at IS NULL;
