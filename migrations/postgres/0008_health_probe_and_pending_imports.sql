-- Kept in step with SQLite's migrations (there /healthz writes a row here and rolls back).
CREATE TABLE health_probe (filler BYTEA);

-- A CSV import previewed on /admin waits here until it is confirmed (by this id, so the file
-- is not posted twice) or an hour has passed.
CREATE TABLE pending_imports (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    csv         TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
