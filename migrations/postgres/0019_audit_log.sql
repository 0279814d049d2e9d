-- Who changed what, and when (CONTRACT §9 trust): every change made through the API, the admin
-- pages or the CLI. Never a respondent's submission: nothing here can link an anonymous answer
-- to its rater.
CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('person', 'api_key', 'cli', 'system')),
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    cycle_id   TEXT,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_cycle ON audit_log (cycle_id, id);
