-- Cycles that create themselves: every month, quarter or year the worker opens cycle
-- '{id}-{period}', invites (customers of every salesperson, or the 360 from the org chart),
-- and the cycle closes after open_days.
CREATE TABLE schedules (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    every       TEXT NOT NULL CHECK (every IN ('month', 'quarter', 'year')),
    survey_id   TEXT NOT NULL REFERENCES surveys(id),
    invite      TEXT NOT NULL CHECK (invite IN ('customers', 'launch')),
    peers       TEXT NOT NULL,
    open_days   INTEGER NOT NULL,
    min_raters  INTEGER NOT NULL,
    created_at  BIGINT NOT NULL
);
