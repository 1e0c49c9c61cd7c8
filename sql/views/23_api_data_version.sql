-- The version of the data the OGC API serves (kc.data_change, bumped by every change): the
-- server derives ETag and Last-Modified from it and answers conditional requests with 304.
DROP VIEW IF EXISTS kc.api_data_version CASCADE;
CREATE VIEW kc.api_data_version AS
SELECT version, changed_at FROM kc.data_change;
COMMENT ON VIEW kc.api_data_version IS 'OGC API: version and time of the last change of the served data';
GRANT SELECT ON kc.api_data_version TO kc_reader;
