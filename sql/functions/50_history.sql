-- Feature history for users (issue 12): the change feed and the version links, set-based, so
-- that the OGC API, `kc diff` and `kc history` read one and the same thing.
--
-- Every function takes known_at (a transaction time; NULL: as believed now) and reads only the
-- rows believed then (kc.believed). SECURITY DEFINER: the web server's role may read only the
-- kc.api_* views, these read the tables as their owner and only ever read.

-- A text as a URI query component (RFC 3986 unreserved characters and '/' kept). Two functions:
-- the test for a plain id is inlined into the statement that calls it (not STRICT, no subquery:
-- PostgreSQL inlines only such SQL functions), only other texts pay for the function call that
-- encodes them character by character (8 us a feature when every id paid for it).
DROP FUNCTION IF EXISTS kc.uri_component_encoded(text) CASCADE;
CREATE FUNCTION kc.uri_component_encoded(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(
               CASE WHEN c ~ '^[A-Za-z0-9_.~/-]$' THEN c
                    ELSE upper(regexp_replace(encode(convert_to(c, 'UTF8'), 'hex'), '(..)', '%\1', 'g'))
               END, '' ORDER BY n), '')
      FROM regexp_split_to_table(value, '') WITH ORDINALITY AS t(c, n)
$$;

DROP FUNCTION IF EXISTS kc.uri_component(text) CASCADE;
CREATE FUNCTION kc.uri_component(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value ~ '^[A-Za-z0-9_.~/-]*$' THEN value
                ELSE kc.uri_component_encoded(value) END
$$;

-- The validity rows of one kind of feature ('buildings', 'projects' or 'reports'), under one
-- shape: ident is the feature's key. Inlined into its callers; the other kinds' branches are cut
-- off by their constant condition before they read anything.
-- A report (one per project and point, transaction time only) is valid from its point until the
-- project's next report believed at known_at (as the reports collection, kc.api_reports_known):
-- its version is the report, its feature the project.
DROP FUNCTION IF EXISTS kc.validity_of(text) CASCADE;
DROP FUNCTION IF EXISTS kc.validity_of(text, timestamptz) CASCADE;
CREATE FUNCTION kc.validity_of(kind text, known_at timestamptz DEFAULT NULL)
RETURNS TABLE (row_id bigint, ident bigint, version_id bigint, valid_from date, valid_to date,
               recorded_at timestamptz, superseded_at timestamptz, load_id bigint)
LANGUAGE sql STABLE AS $$
    SELECT r.row_id, r.building_id, r.version_id, r.valid_from, r.valid_to, r.recorded_at,
           r.superseded_at, r.load_id
      FROM kc.building_validity r WHERE kind = 'buildings'
    UNION ALL
    SELECT r.row_id, r.project_id, r.version_id, r.valid_from, r.valid_to, r.recorded_at,
           r.superseded_at, r.load_id
      FROM kc.project_validity r WHERE kind = 'projects'
    UNION ALL
    SELECT r.report_id, r.project_id, r.report_id, m.valid_at,
           (SELECT min(n.valid_at) FROM kc.report x
              JOIN kc.measurement_point n ON n.code = x.point_code
             WHERE x.project_id = r.project_id AND n.valid_at > m.valid_at
               AND kc.believed(x.recorded_at, x.superseded_at, known_at)),
           r.recorded_at, r.superseded_at, r.load_id
      FROM kc.report r JOIN kc.measurement_point m ON m.code = r.point_code
     WHERE kind = 'reports'
$$;

-- The names of the properties that differ, in the order given: what every feed's
-- changed_properties holds (names[i] when differs[i]).
DROP FUNCTION IF EXISTS kc.changed_names(text[], boolean[]) CASCADE;
CREATE FUNCTION kc.changed_names(names text[], differs boolean[])
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT d.name FROM unnest(names, differs) WITH ORDINALITY AS d(name, differs, n)
                  WHERE d.differs ORDER BY d.n)
$$;

-- A geometry as compared by the feeds: exact to 1e-9 degrees, vertex for vertex.
DROP FUNCTION IF EXISTS kc.feed_geometry(geometry) CASCADE;
CREATE FUNCTION kc.feed_geometry(geom geometry)
RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_AsEWKB(ST_SnapToGrid(geom, 1e-9))
$$;

-- The RFC 5829 links of one version as a JSON array: version-history (the feature's versions in
-- valid-time order, as features), predecessor-version, successor-version, latest-version.
-- items_url: the collection's items URL; query: what every link repeats ('known_at=…'), or ''.
DROP FUNCTION IF EXISTS kc.version_links(text, text, bigint, bigint, bigint, text) CASCADE;
CREATE FUNCTION kc.version_links(items_url text, feature text, predecessor bigint,
                                 successor bigint, latest bigint, query text DEFAULT '')
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT '[' || concat_ws(',',
        '{"rel":"version-history","type":"application/geo+json","title":"The versions of this '
            || 'feature, in valid-time order","href":' || to_json(items_url || '?feature_id='
            || kc.uri_component(feature) || '&sortby=valid_from'
            || CASE WHEN query <> '' THEN '&' || query ELSE '' END)::text || '}',
        '{"rel":"predecessor-version","type":"application/geo+json","title":"The version before '
            || 'this one","href":' || to_json(items_url || '/' || predecessor
            || CASE WHEN query <> '' THEN '?' || query ELSE '' END)::text || '}',
        '{"rel":"successor-version","type":"application/geo+json","title":"The version after '
            || 'this one","href":' || to_json(items_url || '/' || successor
            || CASE WHEN query <> '' THEN '?' || query ELSE '' END)::text || '}',
        '{"rel":"latest-version","type":"application/geo+json","title":"The latest version of '
            || 'this feature","href":' || to_json(items_url || '/' || latest
            || CASE WHEN query <> '' THEN '?' || query ELSE '' END)::text || '}'
    ) || ']'
$$;

-- The changes of one kind of feature at each date in [from_date, to_date] (NULL: open) where a
-- version starts or ends, as believed at known_at: one row per feature and date with the
-- version that starts (new_version) and the one that ends (old_version):
--   new      a version starts and none ended there (old_version NULL);
--   changed  a version ends and the next starts there;
--   ended    a version ends and none follows (new_version NULL).
-- version: the version the change leads to (for ended: the last one); change_id: a feed's id for
-- it, unique per change (2 x version, + 1 for an ended one).
-- correction: the row that makes the change was recorded by a correction (a second load of a
-- point; for reports: a report that replaced one of the same point, however it was recorded);
-- superseded_version is then the version believed at that date before it. This is the core all
-- three feeds share.
DROP FUNCTION IF EXISTS kc.version_changes(text, date, date, timestamptz) CASCADE;
CREATE FUNCTION kc.version_changes(kind text, from_date date, to_date date,
                                   known_at timestamptz DEFAULT NULL)
RETURNS TABLE (ident bigint, at date, point text, change text, new_version bigint,
               old_version bigint, version bigint, change_id bigint, recorded_at timestamptz,
               correction boolean, superseded_version bigint)
LANGUAGE sql STABLE AS $$
WITH starts AS (
    SELECT r.* FROM kc.validity_of(version_changes.kind, version_changes.known_at) r
     WHERE r.valid_from >= coalesce(from_date, '-infinity') AND r.valid_from <= coalesce(to_date, 'infinity')
       AND kc.believed(r.recorded_at, r.superseded_at, version_changes.known_at)
), ends AS (
    SELECT r.* FROM kc.validity_of(version_changes.kind, version_changes.known_at) r
     WHERE r.valid_to >= coalesce(from_date, '-infinity') AND r.valid_to <= coalesce(to_date, 'infinity')
       AND kc.believed(r.recorded_at, r.superseded_at, version_changes.known_at)
), pairs AS (
    SELECT coalesce(s.ident, e.ident) AS ident, coalesce(s.valid_from, e.valid_to) AS at,
           s.version_id AS new_version, e.version_id AS old_version,
           CASE WHEN s.row_id IS NULL THEN e.load_id ELSE s.load_id END AS load_id,
           CASE WHEN s.row_id IS NULL THEN e.recorded_at ELSE s.recorded_at END AS recorded_at
      FROM starts s
      FULL JOIN ends e ON e.ident = s.ident AND e.valid_to = s.valid_from
), superseding AS (
    SELECT p.*, coalesce(l.is_correction, false) AS by_correction,
           CASE WHEN l.is_correction OR version_changes.kind = 'reports' THEN (
               SELECT x.version_id
                 FROM kc.validity_of(version_changes.kind, version_changes.known_at) x
                WHERE x.ident = p.ident AND x.superseded_at = p.recorded_at
                  AND x.valid_from <= p.at AND (x.valid_to IS NULL OR x.valid_to > p.at)
                  AND x.version_id IS DISTINCT FROM p.new_version
                ORDER BY x.row_id DESC LIMIT 1)
           END AS superseded_version
      FROM pairs p
      LEFT JOIN kc.load_run l ON l.load_id = p.load_id
)
SELECT p.ident, p.at,
       (SELECT m.code FROM kc.measurement_point m WHERE m.valid_at = p.at ORDER BY m.code LIMIT 1),
       CASE WHEN p.new_version IS NULL THEN 'ended'
            WHEN p.old_version IS NULL THEN 'new' ELSE 'changed' END,
       p.new_version, p.old_version, coalesce(p.new_version, p.old_version),
       coalesce(p.new_version, p.old_version) * 2 + (p.new_version IS NULL)::integer,
       p.recorded_at,
       -- a reporting load corrects some reports and adds others: only the former are corrections
       CASE WHEN version_changes.kind = 'reports' THEN p.superseded_version IS NOT NULL
            ELSE p.by_correction END,
       p.superseded_version
  FROM superseding p
$$;
COMMENT ON FUNCTION kc.version_changes IS
    'new, changed, ended versions of buildings, projects or reports at each date in [from, to], as known at known_at';

-- What was recorded after `since` (up to `until`; NULL: now) about the state at each
-- measurement point in [from_date, to_date]: per feature and point whose version there differs
-- between what was believed at since and at until, a row shaped as kc.version_changes':
--   new      nothing was believed there at since;
--   changed  another version was;
--   ended    the version believed at since is no longer there (the tombstone: that version).
-- A harvester that applied the feed as known at `since` applies these (in point order) and has
-- the feed's result as known at `until`: corrections of points it already harvested included.
-- correction: made by a correction (a second load of a point; for reports a report replacing
-- one of the same point), superseded_version then the version believed at since.
-- Only the features with a row recorded or superseded in (since, until] are compared. A version
-- can be there at several points: change_id also holds the point's rank (2 x version, + 1 for
-- an ended one, times 1024, + the rank: unique while there are fewer than 1024 points).
DROP FUNCTION IF EXISTS kc.recorded_changes(text, date, date, timestamptz, timestamptz) CASCADE;
CREATE FUNCTION kc.recorded_changes(kind text, from_date date, to_date date, since timestamptz,
                                    until timestamptz DEFAULT NULL)
RETURNS TABLE (ident bigint, at date, point text, change text, new_version bigint,
               old_version bigint, version bigint, change_id bigint, recorded_at timestamptz,
               correction boolean, superseded_version bigint)
LANGUAGE sql STABLE AS $$
WITH points AS (
    SELECT p.* FROM (
        SELECT m.valid_at AS at, min(m.code) AS point,
               (rank() OVER (ORDER BY m.valid_at) - 1)::integer AS rank
          FROM kc.measurement_point m GROUP BY m.valid_at) p
     WHERE p.at >= coalesce(from_date, '-infinity') AND p.at <= coalesce(to_date, 'infinity')
), touched AS (
    SELECT DISTINCT r.ident FROM kc.validity_of(recorded_changes.kind) r
     WHERE (r.recorded_at > since AND (until IS NULL OR r.recorded_at <= until))
        OR (r.superseded_at > since AND (until IS NULL OR r.superseded_at <= until))
), was AS (
    SELECT p.at, p.point, p.rank, r.* FROM points p
      JOIN kc.validity_of(recorded_changes.kind, since) r
        ON r.valid_from <= p.at AND (r.valid_to IS NULL OR r.valid_to > p.at)
     WHERE kc.believed(r.recorded_at, r.superseded_at, since)
       AND r.ident IN (SELECT t.ident FROM touched t)
), now_ AS (
    SELECT p.at, p.point, p.rank, r.* FROM points p
      JOIN kc.validity_of(recorded_changes.kind, until) r
        ON r.valid_from <= p.at AND (r.valid_to IS NULL OR r.valid_to > p.at)
     WHERE kc.believed(r.recorded_at, r.superseded_at, until)
       AND r.ident IN (SELECT t.ident FROM touched t)
), pairs AS (
    SELECT coalesce(n.ident, o.ident) AS ident, coalesce(n.at, o.at) AS at,
           coalesce(n.point, o.point) AS point, coalesce(n.rank, o.rank) AS rank,
           n.version_id AS new_version,
           o.version_id AS old_version, n.valid_from AS new_from, o.valid_from AS old_from,
           n.load_id, coalesce(n.recorded_at, o.superseded_at) AS recorded_at
      FROM was o
      FULL JOIN now_ n ON n.ident = o.ident AND n.at = o.at
     WHERE n.version_id IS DISTINCT FROM o.version_id
), flagged AS (
    SELECT p.*,
           CASE WHEN recorded_changes.kind = 'reports'
                THEN p.old_version IS NOT NULL AND p.new_from = p.old_from
                ELSE coalesce((SELECT l.is_correction FROM kc.load_run l
                                WHERE l.load_id = p.load_id
                                   OR (p.new_version IS NULL AND l.recorded_at = p.recorded_at)
                                ORDER BY l.load_id LIMIT 1), false)
           END AS correction
      FROM pairs p
)
SELECT f.ident, f.at, f.point,
       CASE WHEN f.new_version IS NULL THEN 'ended'
            WHEN f.old_version IS NULL THEN 'new' ELSE 'changed' END,
       f.new_version, f.old_version, coalesce(f.new_version, f.old_version),
       ((coalesce(f.new_version, f.old_version) * 2 + (f.new_version IS NULL)::integer) << 10)
           + f.rank,
       f.recorded_at, f.correction, CASE WHEN f.correction THEN f.old_version END
  FROM flagged f
$$;
COMMENT ON FUNCTION kc.recorded_changes IS
    'Changes to the state at each point in [from, to] recorded after since (up to until), for buildings, projects or reports';

-- The feeds' core rows: mode 'changes', the changes at the points in [from_date, to_date] as
-- known at known_at (kc.version_changes); mode 'recorded', what was recorded after
-- recorded_after up to known_at about the state at those points (kc.recorded_changes). Inlined
-- into each feed with its mode a constant: the other branch is cut at plan time. (Gating the
-- branches by recorded_after instead, a parameter, left both in the plan and made the interval
-- feed 4x slower; planning each call for its values, EXECUTE, made the whole history 2x slower.)
DROP FUNCTION IF EXISTS kc.feed_core(text, boolean) CASCADE;
DROP FUNCTION IF EXISTS kc.feed_rows(text, text, date, date, timestamptz, timestamptz) CASCADE;
CREATE FUNCTION kc.feed_rows(mode text, kind text, from_date date, to_date date,
                             known_at timestamptz, recorded_after timestamptz)
RETURNS TABLE (ident bigint, at date, point text, change text, new_version bigint,
               old_version bigint, version bigint, change_id bigint, recorded_at timestamptz,
               correction boolean, superseded_version bigint)
LANGUAGE sql STABLE AS $$
    SELECT * FROM kc.version_changes(feed_rows.kind, from_date, to_date, known_at)
     WHERE feed_rows.mode = 'changes'
    UNION ALL
    SELECT * FROM kc.recorded_changes(feed_rows.kind, from_date, to_date, recorded_after,
                                      known_at)
     WHERE feed_rows.mode = 'recorded'
$$;

-- The change feed of buildings (kc.version_changes with what a harvester keeps of each):
-- version_id is the version the change leads to (for ended: the last version, a tombstone with
-- its last geometry and properties), changed_properties names what differs from the previous.
-- The three feeds share the core (kc.feed_rows: kc.version_changes or kc.recorded_changes;
-- kc.changed_names, kc.feed_geometry); each adds its own columns and the properties it compares,
-- as one row type and one function of the mode, served by two functions: <feed>(from, to,
-- known_at, in_city) and <feed>_recorded(from, to, recorded_after, known_at, in_city).
DROP FUNCTION IF EXISTS kc.building_changes(date, date, timestamptz, text) CASCADE;
DROP FUNCTION IF EXISTS kc.building_changes(date, date, timestamptz, text, timestamptz) CASCADE;
DROP FUNCTION IF EXISTS kc.building_changes_recorded(date, date, timestamptz, timestamptz, text) CASCADE;
DROP FUNCTION IF EXISTS kc.building_change_rows(text, date, date, timestamptz, text, timestamptz) CASCADE;
DROP TYPE IF EXISTS kc.building_change CASCADE;
CREATE TYPE kc.building_change AS (
    id bigint, change text, feature_id text, city text, source_id text, point text,
    point_date date, version_id bigint, previous_version_id bigint, changed_properties text[],
    correction boolean, superseded_version_id bigint, height double precision,
    height_estimated boolean, storeys integer, base_elevation double precision, source_crs text,
    recorded_at timestamptz, geom geometry
);
-- The rows, for mode 'changes' or 'recorded' (kc.feed_rows). Plain SQL, inlined into the two
-- functions below with its mode a constant, so only that core is planned.
CREATE FUNCTION kc.building_change_rows(mode text, from_date date, to_date date, known_at timestamptz,
                              in_city text, recorded_after timestamptz)
RETURNS SETOF kc.building_change LANGUAGE sql STABLE AS $$
SELECT c.change_id, c.change, b.city_code || '/' || b.source_id, b.city_code, b.source_id,
       c.point, c.at, c.version, c.old_version,
       CASE WHEN c.change = 'changed' THEN kc.changed_names(
           ARRAY['geometry', 'height', 'height_estimated', 'storeys', 'base_elevation', 'geom_3d',
                 'source_crs', 'source_attributes'],
           ARRAY[kc.feed_geometry(o.footprint) IS DISTINCT FROM kc.feed_geometry(v.footprint),
                 o.height IS DISTINCT FROM v.height,
                 o.height_estimated IS DISTINCT FROM v.height_estimated,
                 o.storeys IS DISTINCT FROM v.storeys,
                 o.base_elevation IS DISTINCT FROM v.base_elevation,
                 kc.feed_geometry(o.geom_3d) IS DISTINCT FROM kc.feed_geometry(v.geom_3d),
                 o.source_crs IS DISTINCT FROM v.source_crs,
                 o.source_attributes IS DISTINCT FROM v.source_attributes])
       ELSE '{}'::text[] END,
       c.correction, c.superseded_version,
       v.height, v.height_estimated, v.storeys, v.base_elevation, v.source_crs, c.recorded_at,
       v.footprint
  FROM kc.feed_rows(mode, 'buildings', from_date, to_date, known_at, recorded_after) c
  JOIN kc.building b ON b.building_id = c.ident
  JOIN kc.building_version v ON v.version_id = c.version
  LEFT JOIN kc.building_version o ON o.version_id = c.old_version
 WHERE in_city IS NULL OR b.city_code = in_city
$$;
-- The feed: the changes at the points in [from_date, to_date], as known at known_at.
CREATE FUNCTION kc.building_changes(from_date date, to_date date, known_at timestamptz DEFAULT NULL,
                        in_city text DEFAULT NULL)
RETURNS SETOF kc.building_change LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT * FROM kc.building_change_rows('changes', from_date, to_date, known_at, in_city, NULL)
$$;
-- With recorded_after: what was recorded after it up to known_at about those points' states.
CREATE FUNCTION kc.building_changes_recorded(from_date date, to_date date, recorded_after timestamptz,
                                 known_at timestamptz DEFAULT NULL, in_city text DEFAULT NULL)
RETURNS SETOF kc.building_change LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT * FROM kc.building_change_rows('recorded', from_date, to_date, known_at, in_city, recorded_after)
$$;
COMMENT ON FUNCTION kc.building_changes IS
    'Change feed of buildings: new, changed, ended at each date in [from, to], as known at known_at';

-- The change feed of projects, as kc.building_changes (feature_id: the project code;
-- changed_properties also names "buildings" when the buildings it touches differ).
DROP FUNCTION IF EXISTS kc.project_changes(date, date, timestamptz, text) CASCADE;
DROP FUNCTION IF EXISTS kc.project_changes(date, date, timestamptz, text, timestamptz) CASCADE;
DROP FUNCTION IF EXISTS kc.project_changes_recorded(date, date, timestamptz, timestamptz, text) CASCADE;
DROP FUNCTION IF EXISTS kc.project_change_rows(text, date, date, timestamptz, text, timestamptz) CASCADE;
DROP TYPE IF EXISTS kc.project_change CASCADE;
CREATE TYPE kc.project_change AS (
    id bigint, change text, feature_id text, city text, thematic_field text, title jsonb,
    point text, point_date date, version_id bigint, previous_version_id bigint,
    changed_properties text[], correction boolean, superseded_version_id bigint, status text,
    buildings text[], recorded_at timestamptz, geom geometry
);
-- The rows, for mode 'changes' or 'recorded' (kc.feed_rows). Plain SQL, inlined into the two
-- functions below with its mode a constant, so only that core is planned.
CREATE FUNCTION kc.project_change_rows(mode text, from_date date, to_date date, known_at timestamptz,
                              in_city text, recorded_after timestamptz)
RETURNS SETOF kc.project_change LANGUAGE sql STABLE AS $$
SELECT c.change_id, c.change, j.code, j.city_code, j.thematic_field, j.title::jsonb, c.point,
       c.at, c.version, c.old_version,
       CASE WHEN c.change = 'changed' THEN kc.changed_names(
           ARRAY['geometry', 'status', 'attributes', 'source_crs', 'buildings'],
           ARRAY[kc.feed_geometry(o.footprint) IS DISTINCT FROM kc.feed_geometry(v.footprint),
                 o.status IS DISTINCT FROM v.status,
                 o.attributes IS DISTINCT FROM v.attributes,
                 o.source_crs IS DISTINCT FROM v.source_crs,
                 ARRAY(SELECT t.building_id FROM kc.project_touch t
                        WHERE t.version_id = o.version_id ORDER BY 1)
                 IS DISTINCT FROM
                 ARRAY(SELECT t.building_id FROM kc.project_touch t
                        WHERE t.version_id = v.version_id ORDER BY 1)])
       ELSE '{}'::text[] END,
       c.correction, c.superseded_version, v.status,
       ARRAY(SELECT b.city_code || '/' || b.source_id FROM kc.project_touch t
               JOIN kc.building b ON b.building_id = t.building_id
              WHERE t.version_id = v.version_id ORDER BY 1),
       c.recorded_at, v.footprint
  FROM kc.feed_rows(mode, 'projects', from_date, to_date, known_at, recorded_after) c
  JOIN kc.project j ON j.project_id = c.ident
  JOIN kc.project_version v ON v.version_id = c.version
  LEFT JOIN kc.project_version o ON o.version_id = c.old_version
 WHERE in_city IS NULL OR j.city_code = in_city
$$;
-- The feed: the changes at the points in [from_date, to_date], as known at known_at.
CREATE FUNCTION kc.project_changes(from_date date, to_date date, known_at timestamptz DEFAULT NULL,
                        in_city text DEFAULT NULL)
RETURNS SETOF kc.project_change LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT * FROM kc.project_change_rows('changes', from_date, to_date, known_at, in_city, NULL)
$$;
-- With recorded_after: what was recorded after it up to known_at about those points' states.
CREATE FUNCTION kc.project_changes_recorded(from_date date, to_date date, recorded_after timestamptz,
                                 known_at timestamptz DEFAULT NULL, in_city text DEFAULT NULL)
RETURNS SETOF kc.project_change LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT * FROM kc.project_change_rows('recorded', from_date, to_date, known_at, in_city, recorded_after)
$$;
COMMENT ON FUNCTION kc.project_changes IS
    'Change feed of projects: new, changed, ended at each date in [from, to], as known at known_at';
