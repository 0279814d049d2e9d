-- Feedback on a closed cycle's report: written by a manager (or admin), shared with the subject,
-- acknowledged by them with an optional reply (CONTRACT §9).
CREATE TABLE feedback (
    cycle_id        TEXT NOT NULL REFERENCES cycles(id),
    subject_id      TEXT NOT NULL REFERENCES people(id),
    author_id       TEXT NOT NULL REFERENCES people(id),
    strengths       TEXT NOT NULL DEFAULT '',
    improvements    TEXT NOT NULL DEFAULT '',
    next_steps      TEXT NOT NULL DEFAULT '',
    updated_at      BIGINT NOT NULL,
    shared_at       BIGINT,
    acknowledged_at BIGINT,
    reply           TEXT,
    PRIMARY KEY (cycle_id, subject_id, author_id)
);

-- A customer's unhappy answer that someone followed up (attributed responses only).
CREATE TABLE followups (
    response_id TEXT PRIMARY KEY REFERENCES responses(id),
    done_by     TEXT NOT NULL REFERENCES people(id),
    done_at     BIGINT NOT NULL,
    note        TEXT
);

-- How an attributed answer arrived: 'link' (the respondent's form) or 'phone' (entered by a
-- colleague from a call, who is recorded). Anonymous answers are always 'link'.
-- When a cycle's "results are ready" emails were queued: once per cycle. Cycles closed before
-- this version count as told (their results are not news).
ALTER TABLE cycles ADD COLUMN results_notified_at BIGINT;
UPDATE cycles SET results_notified_at = 0 WHERE status = 'closed';

ALTER TABLE responses ADD COLUMN source TEXT NOT NULL DEFAULT 'link';
ALTER TABLE responses ADD COLUMN entered_by TEXT;
