-- A closed cycle never changes: its results (scores and groups per subject, released comments,
-- the released values behind its histograms) are stored once, and every reader reads them.
-- name and team are as they were at close.
CREATE TABLE subject_results (
    cycle_id         TEXT NOT NULL REFERENCES cycles(id),
    subject_id       TEXT NOT NULL,
    name             TEXT NOT NULL,
    team             TEXT,
    scores           TEXT NOT NULL,
    comments         TEXT NOT NULL,
    released_values  TEXT NOT NULL,
    PRIMARY KEY (cycle_id, subject_id)
);
ALTER TABLE cycles ADD COLUMN results_at BIGINT;
