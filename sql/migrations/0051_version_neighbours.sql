-- The version links of every believed version, kept by the database (issue 15).
--
-- Each page of buildings or projects carries RFC 5829 links (predecessor-version,
-- successor-version, latest-version). Computed per page from the validity rows
-- (kc.version_neighbours) they cost about 2 ms of PostgreSQL a page of 100, as much as the page
-- itself. They change only when validity rows do, so they are stored here, one row per version
-- believed now, and kept right by statement triggers on the validity tables: whatever writes
-- validity rows (kc load, a correction, the web form and OGC API Part 4 writes, kc.purge_feature)
-- gets them refreshed in the same transaction, set-based (the transition table names the
-- features a statement touched; all their versions are recomputed by one window query), never
-- row by row. At a known_at the server still computes them (kc.version_neighbours): a past
-- belief is not stored.
--
-- Not history: a derived table, rewritten for the features a statement touches. The history
-- triggers of 0041 still guard the validity rows it is derived from.
CREATE TABLE kc.version_neighbour (
    kind        text NOT NULL CHECK (kind IN ('buildings', 'projects')),
    version_id  bigint NOT NULL,
    ident       bigint NOT NULL,
    predecessor bigint,
    successor   bigint,
    latest      bigint NOT NULL,
    -- A page reads the links of its versions by index only.
    PRIMARY KEY (kind, version_id) INCLUDE (predecessor, successor, latest)
);
CREATE INDEX version_neighbour_ident ON kc.version_neighbour (kind, ident);
COMMENT ON TABLE kc.version_neighbour IS
    'Each believed version''s neighbours in its feature''s valid-time order (version links), kept by triggers';
CREATE TRIGGER note_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kc.version_neighbour
    FOR EACH STATEMENT EXECUTE FUNCTION kc.note_data_change();

-- The neighbours of every version of the given features, recomputed from the rows believed now.
-- SECURITY DEFINER: the triggers run as whoever writes validity rows (kc_writer,
-- kc_history_purger), none of whom may write this table directly.
CREATE FUNCTION kc.refresh_version_neighbours(of_kind text, idents bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF cardinality(idents) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM kc.version_neighbour n WHERE n.kind = of_kind AND n.ident = ANY (idents);
    IF of_kind = 'buildings' THEN
        INSERT INTO kc.version_neighbour (kind, version_id, ident, predecessor, successor, latest)
        SELECT of_kind, r.version_id, r.building_id, lag(r.version_id) OVER w,
               lead(r.version_id) OVER w, last_value(r.version_id) OVER (w RANGE BETWEEN
                   UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
          FROM kc.building_validity r
         WHERE r.building_id = ANY (idents) AND r.superseded_at IS NULL
        WINDOW w AS (PARTITION BY r.building_id ORDER BY r.valid_from);
    ELSE
        INSERT INTO kc.version_neighbour (kind, version_id, ident, predecessor, successor, latest)
        SELECT of_kind, r.version_id, r.project_id, lag(r.version_id) OVER w,
               lead(r.version_id) OVER w, last_value(r.version_id) OVER (w RANGE BETWEEN
                   UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
          FROM kc.project_validity r
         WHERE r.project_id = ANY (idents) AND r.superseded_at IS NULL
        WINDOW w AS (PARTITION BY r.project_id ORDER BY r.valid_from);
    END IF;
END
$$;
COMMENT ON FUNCTION kc.refresh_version_neighbours IS
    'Recompute kc.version_neighbour for every version of the given buildings or projects';
REVOKE ALL ON FUNCTION kc.refresh_version_neighbours(text, bigint[]) FROM PUBLIC;

-- One writer of validity rows at a time from its first validity statement to its commit, so a
-- refresh never misses rows another transaction writes for the same feature: the second waits
-- before it changes a row, and its refresh (each statement a new snapshot) sees the first's.
CREATE FUNCTION kc.serialize_version_neighbours() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('kc.version_neighbour'));
    RETURN NULL;
END
$$;

-- The features whose validity rows a statement wrote (transition table "changed").
CREATE FUNCTION kc.building_neighbours_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM kc.refresh_version_neighbours(
        'buildings', ARRAY(SELECT DISTINCT c.building_id FROM changed c));
    RETURN NULL;
END
$$;

CREATE FUNCTION kc.project_neighbours_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM kc.refresh_version_neighbours(
        'projects', ARRAY(SELECT DISTINCT c.project_id FROM changed c));
    RETURN NULL;
END
$$;
GRANT EXECUTE ON FUNCTION kc.refresh_version_neighbours(text, bigint[])
    TO kc_writer, kc_history_purger;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('building_validity', 'building_neighbours_changed'),
                                   ('project_validity', 'project_neighbours_changed')) AS v(tab, fn)
    LOOP
        EXECUTE format('CREATE TRIGGER version_neighbours_lock BEFORE INSERT OR UPDATE OR DELETE '
                       'ON kc.%I FOR EACH STATEMENT '
                       'EXECUTE FUNCTION kc.serialize_version_neighbours()', t.tab);
        EXECUTE format('CREATE TRIGGER version_neighbours_insert AFTER INSERT ON kc.%I '
                       'REFERENCING NEW TABLE AS changed FOR EACH STATEMENT '
                       'EXECUTE FUNCTION kc.%I()', t.tab, t.fn);
        EXECUTE format('CREATE TRIGGER version_neighbours_update AFTER UPDATE ON kc.%I '
                       'REFERENCING NEW TABLE AS changed FOR EACH STATEMENT '
                       'EXECUTE FUNCTION kc.%I()', t.tab, t.fn);
        EXECUTE format('CREATE TRIGGER version_neighbours_delete AFTER DELETE ON kc.%I '
                       'REFERENCING OLD TABLE AS changed FOR EACH STATEMENT '
                       'EXECUTE FUNCTION kc.%I()', t.tab, t.fn);
    END LOOP;
END
$$;

-- What is there already.
SELECT kc.refresh_version_neighbours('buildings', ARRAY(SELECT building_id FROM kc.building));
SELECT kc.refresh_version_neighbours('projects', ARRAY(SELECT project_id FROM kc.project));
