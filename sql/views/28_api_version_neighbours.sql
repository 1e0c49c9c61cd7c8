-- The stored version links (migration 0051: kc.version_neighbour, kept by triggers) as the server
-- reads them for what is believed now, joined by id (gis.api.history.neighbours); at a known_at
-- it computes them (kc.version_neighbours in 29_api_history.sql).
DROP VIEW IF EXISTS kc.api_version_neighbours CASCADE;
CREATE VIEW kc.api_version_neighbours AS
SELECT kind, version_id, predecessor, successor, latest FROM kc.version_neighbour;
COMMENT ON VIEW kc.api_version_neighbours IS 'Version links of every version believed now (stored)';
GRANT SELECT ON kc.api_version_neighbours TO kc_reader;
