-- History the database protects, whatever the role (the owner and superusers included).
--
-- The versioned tables only ever grow: a validity row (and a report, versioned in transaction
-- time only) may get superseded_at set once, from NULL to a time, and nothing else about it
-- changes; a version (content) never changes; nothing is deleted or truncated. The versioning
-- code already works that way (gis/store/versioning.py: it INSERTs new rows and UPDATEs only
-- superseded_at); these triggers make it a guarantee rather than a convention.
--
-- The one way to remove history on purpose (a GDPR erasure, data loaded by mistake) is
-- kc.purge_feature(kind, feature, reason): it runs as the role kc_history_purger, the only role
-- the triggers let delete, removes every row of one feature and writes what it removed, why,
-- who asked and when into kc.purge_log. Removing a trigger (ALTER TABLE ... DISABLE TRIGGER) is
-- DDL, a deliberate act of the schema owner that no load or bug does by accident.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'kc_history_purger') THEN
        CREATE ROLE kc_history_purger NOLOGIN;
    END IF;
END
$$;
COMMENT ON ROLE kc_history_purger IS
    'Knowledge Carrier: owns kc.purge_feature, the only way to delete history';

CREATE FUNCTION kc.refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_user = 'kc_history_purger' THEN
        RETURN OLD;  -- inside kc.purge_feature (SECURITY DEFINER), which logs the purge
    END IF;
    RAISE EXCEPTION 'history is append-only: % on kc.% is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'versions and validity rows are never changed or deleted; a correction '
                     'supersedes rows (superseded_at) and records new ones. To erase a feature '
                     'on purpose use kc.purge_feature(kind, feature, reason).';
END
$$;
COMMENT ON FUNCTION kc.refuse_history_change IS 'Trigger: no UPDATE, DELETE or TRUNCATE of history';

-- A row versioned in transaction time: only superseded_at may change, once, from NULL.
CREATE FUNCTION kc.supersede_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.superseded_at IS NULL AND NEW.superseded_at IS NOT NULL
       AND to_jsonb(NEW) - 'superseded_at' = to_jsonb(OLD) - 'superseded_at' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'history is append-only: kc.% row % may only get superseded_at set once '
                    '(it was %, the update sets it to % and changes %)',
                    TG_TABLE_NAME, to_jsonb(OLD) -> (TG_ARGV[0]),
                    coalesce(OLD.superseded_at::text, 'NULL'),
                    coalesce(NEW.superseded_at::text, 'NULL'),
                    coalesce((SELECT string_agg(k, ', ' ORDER BY k)
                                FROM jsonb_each(to_jsonb(NEW)) AS n(k, v)
                               WHERE k <> 'superseded_at' AND v IS DISTINCT FROM to_jsonb(OLD) -> k),
                             'nothing else')
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'a correction supersedes rows and records new ones';
END
$$;
COMMENT ON FUNCTION kc.supersede_only IS 'Trigger: only superseded_at may change, once, NULL -> time';

-- An identity may change its descriptive columns (a project's title), never its key.
CREATE FUNCTION kc.keep_identity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    column_name text;
BEGIN
    FOREACH column_name IN ARRAY TG_ARGV LOOP
        IF to_jsonb(NEW) -> column_name IS DISTINCT FROM to_jsonb(OLD) -> column_name THEN
            RAISE EXCEPTION 'history is append-only: the % of a kc.% row cannot change (% -> %)',
                            column_name, TG_TABLE_NAME, to_jsonb(OLD) -> column_name,
                            to_jsonb(NEW) -> column_name
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
    RETURN NEW;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    -- Nothing deleted or truncated from any table holding history.
    FOREACH t IN ARRAY ARRAY['building', 'building_version', 'building_validity', 'project',
                             'project_version', 'project_validity', 'project_touch', 'report',
                             'report_challenge', 'load_run'] LOOP
        EXECUTE format('CREATE TRIGGER history_no_delete BEFORE DELETE ON kc.%I '
                       'FOR EACH ROW EXECUTE FUNCTION kc.refuse_history_change()', t);
        EXECUTE format('CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON kc.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION kc.refuse_history_change()', t);
    END LOOP;
    -- Content never changes.
    FOREACH t IN ARRAY ARRAY['building_version', 'project_version', 'project_touch',
                             'report_challenge', 'load_run'] LOOP
        EXECUTE format('CREATE TRIGGER history_no_update BEFORE UPDATE ON kc.%I '
                       'FOR EACH ROW EXECUTE FUNCTION kc.refuse_history_change()', t);
    END LOOP;
END
$$;

CREATE TRIGGER history_supersede_only BEFORE UPDATE ON kc.building_validity
    FOR EACH ROW EXECUTE FUNCTION kc.supersede_only('row_id');
CREATE TRIGGER history_supersede_only BEFORE UPDATE ON kc.project_validity
    FOR EACH ROW EXECUTE FUNCTION kc.supersede_only('row_id');
CREATE TRIGGER history_supersede_only BEFORE UPDATE ON kc.report
    FOR EACH ROW EXECUTE FUNCTION kc.supersede_only('report_id');
CREATE TRIGGER history_keep_identity BEFORE UPDATE ON kc.building
    FOR EACH ROW EXECUTE FUNCTION kc.keep_identity('building_id', 'city_code', 'source_id');
CREATE TRIGGER history_keep_identity BEFORE UPDATE ON kc.project
    FOR EACH ROW EXECUTE FUNCTION kc.keep_identity('project_id', 'code', 'city_code');

-- The record of every purge: what was removed, why, by whom, when.
CREATE TABLE kc.purge_log (
    purge_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('buildings', 'projects')),
    feature     text NOT NULL,
    reason      text NOT NULL CHECK (length(btrim(reason)) >= 10),
    requested_by text NOT NULL,
    purged_at   timestamptz NOT NULL DEFAULT now(),
    removed     jsonb NOT NULL
);
COMMENT ON TABLE kc.purge_log IS 'Every deliberate removal of history (kc.purge_feature), never emptied';
CREATE TRIGGER note_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kc.purge_log
    FOR EACH STATEMENT EXECUTE FUNCTION kc.note_data_change();
CREATE TRIGGER history_no_delete BEFORE DELETE OR UPDATE ON kc.purge_log
    FOR EACH ROW EXECUTE FUNCTION kc.refuse_history_change();
CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON kc.purge_log
    FOR EACH STATEMENT EXECUTE FUNCTION kc.refuse_history_change();

-- kind: 'buildings' (feature: 'city/source id', as the API's feature_id) or 'projects' (code).
CREATE FUNCTION kc.purge_feature(kind text, feature text, reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    ident bigint;
    removed jsonb;
BEGIN
    IF reason IS NULL OR length(btrim(reason)) < 10 THEN
        RAISE EXCEPTION 'kc.purge_feature needs a reason of at least 10 characters (found %)',
                        coalesce(quote_literal(reason), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kind = 'buildings' THEN
        SELECT b.building_id INTO ident FROM kc.building b
         WHERE b.city_code || '/' || b.source_id = feature;
        IF ident IS NULL THEN
            RAISE EXCEPTION 'kc.purge_feature: no building %', quote_literal(feature)
                USING ERRCODE = 'no_data_found',
                      HINT = 'a building is named city/source id, as the API''s feature_id';
        END IF;
        IF EXISTS (SELECT 1 FROM kc.project_touch WHERE building_id = ident) THEN
            RAISE EXCEPTION 'kc.purge_feature: building % is touched by project versions; '
                            'purge those projects first', quote_literal(feature)
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        SELECT jsonb_build_object(
                   'versions', (SELECT count(*) FROM kc.building_version WHERE building_id = ident),
                   'validity_rows', (SELECT count(*) FROM kc.building_validity WHERE building_id = ident))
          INTO removed;
        DELETE FROM kc.building_validity WHERE building_id = ident;
        DELETE FROM kc.building_version WHERE building_id = ident;
        DELETE FROM kc.building WHERE building_id = ident;
    ELSIF kind = 'projects' THEN
        SELECT p.project_id INTO ident FROM kc.project p WHERE p.code = feature;
        IF ident IS NULL THEN
            RAISE EXCEPTION 'kc.purge_feature: no project %', quote_literal(feature)
                USING ERRCODE = 'no_data_found';
        END IF;
        SELECT jsonb_build_object(
                   'versions', (SELECT count(*) FROM kc.project_version WHERE project_id = ident),
                   'validity_rows', (SELECT count(*) FROM kc.project_validity WHERE project_id = ident),
                   'reports', (SELECT count(*) FROM kc.report WHERE project_id = ident))
          INTO removed;
        DELETE FROM kc.report_challenge c USING kc.report r
         WHERE c.report_id = r.report_id AND r.project_id = ident;
        DELETE FROM kc.report WHERE project_id = ident;
        DELETE FROM kc.project_validity WHERE project_id = ident;
        DELETE FROM kc.project_touch t USING kc.project_version v
         WHERE t.version_id = v.version_id AND v.project_id = ident;
        DELETE FROM kc.project_version WHERE project_id = ident;
        DELETE FROM kc.project WHERE project_id = ident;
    ELSE
        RAISE EXCEPTION 'kc.purge_feature: unknown kind % (expected buildings or projects)',
                        coalesce(quote_literal(kind), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO kc.purge_log (kind, feature, reason, requested_by, removed)
    VALUES (kind, feature, reason, session_user, removed);
    RETURN removed;
END
$$;
COMMENT ON FUNCTION kc.purge_feature IS
    'The only way to delete history: every row of one feature, recorded in kc.purge_log';

GRANT USAGE ON SCHEMA kc TO kc_history_purger;
GRANT SELECT, DELETE ON kc.building, kc.building_version, kc.building_validity, kc.project,
    kc.project_version, kc.project_validity, kc.project_touch, kc.report, kc.report_challenge
    TO kc_history_purger;
GRANT SELECT, INSERT ON kc.purge_log TO kc_history_purger;
GRANT SELECT, UPDATE ON kc.data_change TO kc_history_purger;
ALTER FUNCTION kc.purge_feature(text, text, text) OWNER TO kc_history_purger;
REVOKE ALL ON FUNCTION kc.purge_feature(text, text, text) FROM PUBLIC;
