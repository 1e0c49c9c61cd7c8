-- The views kc.building_version_current and kc.project_version_current (sql/views/
-- 10_current_versions.sql) were read by nothing: the API reads kc.api_*, the exporter and the
-- books kc.building_state / kc.project_state. Repeatable files are only (re)deployed, never
-- dropped when the file goes, so existing databases drop them here, together with the file's
-- deployment record.
DROP VIEW IF EXISTS kc.building_version_current;
DROP VIEW IF EXISTS kc.project_version_current;
DELETE FROM kc_meta.repeatable WHERE name = 'views/10_current_versions.sql';
