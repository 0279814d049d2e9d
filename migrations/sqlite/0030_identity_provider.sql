-- Identity provider (CONTRACT §11): API keys of scope `scim`, what SCIM clients say of the
-- people they provision, and OpenID Connect sign-ins under way.
-- SQLite cannot change a CHECK constraint in place: the table is copied.
CREATE TABLE api_keys_scim (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('admin', 'scores', 'scim')),
    key_hash     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
INSERT INTO api_keys_scim (id, name, scope, key_hash, created_at, revoked_at, last_used_at)
    SELECT id, name, scope, key_hash, created_at, revoked_at, last_used_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_scim RENAME TO api_keys;

-- A person as a SCIM client knows them: the User it last sent (only the attributes this server
-- publishes), kept so that it reads back as sent; userName and externalId also in columns of
-- their own, for filters. `deleted`: the client deleted the user (the person is inactive,
-- their history stays, and SCIM answers 404 for them until they are provisioned again).
CREATE TABLE scim_users (
    person_id   TEXT PRIMARY KEY REFERENCES people(id),
    user_name   TEXT NOT NULL,
    external_id TEXT,
    resource    TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (LOWER(user_name));

-- An OpenID Connect sign-in between its start and the provider's callback: found by the hash
-- of its `state`, taken (deleted) once. `next`: where to go after (`me`, or the dashboard);
-- `lang`: the language of the page it started from.
CREATE TABLE oidc_flows (
    state_hash    TEXT PRIMARY KEY,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next          TEXT,
    lang          TEXT,
    expires_at    BIGINT NOT NULL
);
