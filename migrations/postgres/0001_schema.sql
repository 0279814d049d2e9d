-- Candor schema, PostgreSQL dialect. Keep in step with migrations/sqlite/0001_schema.sql.
-- Times are unix seconds (BIGINT); days are 'YYYY-MM-DD' text.

CREATE TABLE people (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    manager_id  TEXT REFERENCES people(id),
    team        TEXT,
    locale      TEXT,
    is_admin    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX people_email ON people (email);
CREATE INDEX people_manager ON people (manager_id);

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    owner_id    TEXT REFERENCES people(id),
    locale      TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX customers_owner ON customers (owner_id);

-- Addresses that asked for no more email (customers' unsubscribe links).
CREATE TABLE suppressions (
    email       TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);

CREATE TABLE surveys (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('customer', 'peer')),
    title       TEXT NOT NULL,
    anonymous   BOOLEAN NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE questions (
    survey_id   TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    position    BIGINT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('scale', 'nps', 'text')),
    min         BIGINT,
    max         BIGINT,
    indicator   TEXT,
    required    BOOLEAN NOT NULL,
    text        TEXT NOT NULL,
    text_i18n   TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (survey_id, id)
);

CREATE TABLE cycles (
    id                   TEXT PRIMARY KEY,
    title                TEXT NOT NULL,
    opens_at             BIGINT NOT NULL,
    closes_at            BIGINT NOT NULL,
    min_raters           BIGINT NOT NULL,
    weight_manager       DOUBLE PRECISION NOT NULL,
    weight_peer          DOUBLE PRECISION NOT NULL,
    weight_direct_report DOUBLE PRECISION NOT NULL,
    remind_every_days    BIGINT,
    max_reminders        BIGINT,
    status               TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closed_at            BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

CREATE TABLE invitations (
    id                     BIGSERIAL PRIMARY KEY,
    cycle_id               TEXT NOT NULL REFERENCES cycles(id),
    survey_id              TEXT NOT NULL REFERENCES surveys(id),
    subject_id             TEXT NOT NULL REFERENCES people(id),
    relation               TEXT NOT NULL CHECK (relation IN ('customer', 'self', 'manager', 'peer', 'direct_report')),
    respondent_person_id   TEXT REFERENCES people(id),
    respondent_customer_id TEXT REFERENCES customers(id),
    -- 'p:ID' or 'c:ID': one column to make (cycle, survey, subject, respondent) unique.
    respondent_key         TEXT NOT NULL,
    completed_on           TEXT,
    revoked                BOOLEAN NOT NULL DEFAULT FALSE,
    reminders_sent         BIGINT NOT NULL DEFAULT 0,
    created_at             BIGINT NOT NULL,
    CHECK ((respondent_person_id IS NULL) <> (respondent_customer_id IS NULL)),
    UNIQUE (cycle_id, survey_id, subject_id, respondent_key)
);
CREATE INDEX invitations_cycle_survey ON invitations (cycle_id, survey_id);

-- Only SHA-256 of a token is kept. kind: respond | login | unsubscribe.
CREATE TABLE links (
    token_hash     TEXT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('respond', 'login', 'unsubscribe')),
    invitation_id  BIGINT REFERENCES invitations(id),
    person_id      TEXT REFERENCES people(id),
    customer_id    TEXT REFERENCES customers(id),
    expires_at     BIGINT,
    used_at        BIGINT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX links_invitation ON links (invitation_id);

-- Emails to send. Holds ids, never a token: the worker mints links when it builds the email.
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,
    invitation_id   BIGINT REFERENCES invitations(id),
    person_id       TEXT REFERENCES people(id),
    payload         TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,  -- unix milliseconds: retries start sub-second in tests
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_ms);
CREATE INDEX outbox_invitation ON outbox (invitation_id);

-- Anonymous responses carry no invitation and only a day.
CREATE TABLE responses (
    id            TEXT PRIMARY KEY,
    cycle_id      TEXT NOT NULL REFERENCES cycles(id),
    survey_id     TEXT NOT NULL REFERENCES surveys(id),
    subject_id    TEXT NOT NULL REFERENCES people(id),
    relation      TEXT NOT NULL,
    submitted_on  TEXT NOT NULL,
    invitation_id BIGINT UNIQUE REFERENCES invitations(id)
);
CREATE INDEX responses_cycle_subject ON responses (cycle_id, subject_id);

CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses(id),
    question_id TEXT NOT NULL,
    value       BIGINT,
    text        TEXT,
    PRIMARY KEY (response_id, question_id)
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    scope       TEXT NOT NULL CHECK (scope IN ('admin', 'scores')),
    key_hash    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL REFERENCES people(id),
    csrf_token  TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
