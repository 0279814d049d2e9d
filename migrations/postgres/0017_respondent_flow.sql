-- A rater may decline a review ("I can't judge this person"): not counted, shown as declined.
-- The reason is kept for attributed relations only; an anonymous rater's is never stored.
ALTER TABLE invitations ADD COLUMN declined BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE invitations ADD COLUMN decline_reason TEXT;

-- Forms saved for later, encrypted under a key derived from the link's token (which is never
-- stored): only that link reopens its draft. Deleted on submit and at close.
CREATE TABLE drafts (
    token_hash    TEXT PRIMARY KEY,
    invitation_id BIGINT NOT NULL REFERENCES invitations(id),
    sealed        TEXT NOT NULL
);
CREATE INDEX drafts_invitation ON drafts (invitation_id);

-- Peers chosen by the subject and approved by their manager (launch with peers: nominated).
-- status: open (waiting for the subject) | submitted (waiting for approval) | approved.
CREATE TABLE nominations (
    cycle_id     TEXT NOT NULL REFERENCES cycles(id),
    subject_id   TEXT NOT NULL REFERENCES people(id),
    survey_id    TEXT NOT NULL REFERENCES surveys(id),
    status       TEXT NOT NULL CHECK (status IN ('open', 'submitted', 'approved')),
    min_peers    INTEGER NOT NULL,
    max_peers    INTEGER NOT NULL,
    deliver      TEXT NOT NULL DEFAULT 'email',
    due_at       BIGINT,
    submitted_at BIGINT,
    approved_by  TEXT,
    approved_at  BIGINT,
    PRIMARY KEY (cycle_id, subject_id)
);
CREATE INDEX nominations_due ON nominations (status, due_at);
CREATE TABLE nominees (
    cycle_id   TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    person_id  TEXT NOT NULL REFERENCES people(id),
    PRIMARY KEY (cycle_id, subject_id, person_id),
    FOREIGN KEY (cycle_id, subject_id) REFERENCES nominations (cycle_id, subject_id)
);
