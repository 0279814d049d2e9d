-- Long operations on a cycle run in short transactions (issue 32): a close releasing its sealed
-- answers, a launch writing its invitations. While one runs, its cycle has a row here (one run
-- per cycle at a time); what it writes carries its `run` and is read by nobody until the short
-- transaction that finishes it deletes the row. `owner` is who may still write: a run that stops
-- beating is taken over (a new owner) and what it wrote deleted.
CREATE TABLE cycle_runs (
    cycle_id  TEXT PRIMARY KEY REFERENCES cycles(id),
    run       TEXT NOT NULL UNIQUE,
    owner     TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('close', 'launch')),
    total     BIGINT NOT NULL,
    done      BIGINT NOT NULL,
    heartbeat BIGINT NOT NULL
);
ALTER TABLE responses ADD COLUMN release_run TEXT;
ALTER TABLE invitations ADD COLUMN launch_run TEXT;

-- The invitations every reader sees: none of a launch still running. (PostgreSQL expands the
-- `*` now: a later column added to invitations needs this view made again.)
CREATE VIEW live_invitations AS
    SELECT * FROM invitations
    WHERE launch_run IS NULL OR NOT EXISTS (SELECT 1 FROM cycle_runs r WHERE r.run = invitations.launch_run);
