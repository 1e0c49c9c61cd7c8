-- Wrong passwords at the reporting form's login, kept to slow down guessing: after a few
-- failures for one account within a window, further attempts are refused for a while
-- (gis/api/form). In kc_auth: not served data, so no note_data_change trigger.
CREATE TABLE kc_auth.login_failure (
    account   text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failure_account ON kc_auth.login_failure (account, failed_at);
COMMENT ON TABLE kc_auth.login_failure IS 'Failed logins per account name (also unknown names)';
GRANT SELECT, INSERT, DELETE ON kc_auth.login_failure TO kc_writer;
