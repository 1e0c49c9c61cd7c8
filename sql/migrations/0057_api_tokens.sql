-- Bearer tokens for the OGC API's writes (Part 4): a platform or a script writes as an account
-- without holding its password. A token is 256 random bits shown once by `kc users token add`;
-- only its SHA-256 is kept (a token is not a human password: with that much entropy a fast hash
-- is enough and lets the server find it by an index, not by checking every Argon2 hash).
-- It belongs to one account and writes with that account's cities; it expires, and can be
-- revoked (kept, with the time, so `kc users token list` shows what was revoked when).
-- In kc_auth: not served data, so no note_data_change trigger (see 0043).
CREATE TABLE kc_auth.api_token (
    token_id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account      text NOT NULL REFERENCES kc_auth.account ON DELETE CASCADE,
    label        text NOT NULL DEFAULT '',
    token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX api_token_account ON kc_auth.api_token (account);
COMMENT ON TABLE kc_auth.api_token IS 'Bearer tokens of accounts (SHA-256 of the token, never the token)';

-- The writer finds a token by its hash and notes its last use; it never creates or revokes one.
GRANT SELECT ON kc_auth.api_token TO kc_writer;
GRANT UPDATE (last_used_at) ON kc_auth.api_token TO kc_writer;
