-- Identity provider (CONTRACT §11): API keys of scope `scim`, what SCIM clients say of the
-- people they provision, and OpenID Connect sign-ins under way.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scope_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scope_check CHECK (scope IN ('admin', 'scores', 'scim'));

-- A person as a SCIM client knows them: the User it last sent (only the attributes this server
-- publishes), kept so that it reads back as sent; userName and externalId also in columns of
-- their own, for filters. `deleted`: the client deleted the user (the person is inactive,
-- their history stays, and SCIM answers 404 for them until they are provisioned again).
CREATE TABLE scim_users (
    person_id   TEXT PRIMARY KEY REFERENCES people(id),
    user_name   TEXT NOT NULL,
    external_id TEXT,
    resource    TEXT NOT NULL,
    deleted     BOOLEAN NOT NULL DEFAULT FALSE,
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
