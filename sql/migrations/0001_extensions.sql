-- PostGIS for geometries, btree_gist so that an exclusion constraint can mix "=" on ids with
-- "&&" on validity ranges. IF NOT EXISTS lets a non-superuser migrate a database where an
-- administrator already created them.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE SCHEMA IF NOT EXISTS kc;
COMMENT ON SCHEMA kc IS 'Knowledge Carrier: cities, thematic fields, measurement points, versioned buildings and projects, reports';
