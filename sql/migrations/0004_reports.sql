-- Common Reporting: one report per implementation project per measurement point, with the
-- sections of the questionnaire. Transaction time only: a corrected report supersedes the old
-- row, which is kept.

CREATE TABLE kc.challenge (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9_-]*$'),
    label       kc.i18n_text NOT NULL,
    controlled  boolean NOT NULL
);
COMMENT ON COLUMN kc.challenge.controlled IS 'True for the controlled vocabulary, false for free tags';

CREATE TABLE kc.report (
    report_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id         bigint NOT NULL REFERENCES kc.project,
    point_code         text NOT NULL REFERENCES kc.measurement_point,
    status             text NOT NULL REFERENCES kc.implementation_status,
    progress           numeric(5, 2) CHECK (progress BETWEEN 0 AND 100),
    objectives         kc.i18n_text NOT NULL,
    partners           kc.i18n_text,
    drivers            kc.i18n_text,
    barriers           kc.i18n_text,
    corrective_actions kc.i18n_text,
    risks              kc.i18n_text,
    lessons_learned    kc.i18n_text,
    reported_on        date,
    content_hash       bytea NOT NULL,
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    superseded_at      timestamptz,
    load_id            bigint REFERENCES kc.load_run,
    CHECK (superseded_at IS NULL OR superseded_at >= recorded_at)
);
CREATE UNIQUE INDEX report_one_believed_per_point ON kc.report (project_id, point_code)
    WHERE superseded_at IS NULL;

CREATE TABLE kc.report_challenge (
    report_id      bigint NOT NULL REFERENCES kc.report,
    challenge_code text NOT NULL REFERENCES kc.challenge,
    PRIMARY KEY (report_id, challenge_code)
);
