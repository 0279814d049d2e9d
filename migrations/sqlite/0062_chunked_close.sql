-- A close releases a cycle's sealed answers in short transactions (issue 32). While it runs, the
-- cycle has a row here (submissions to it are refused), and the responses it has released so
-- far carry its run: nobody reads them until the one short transaction that marks the cycle
-- closed. A run that stops beating is abandoned, and what it released is deleted.
CREATE TABLE closings (
    cycle_id  TEXT PRIMARY KEY REFERENCES cycles(id),
    run       TEXT NOT NULL,
    heartbeat BIGINT NOT NULL
);
ALTER TABLE responses ADD COLUMN release_run TEXT;
