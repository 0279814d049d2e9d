-- One email may carry several invitations (a rater's reviews in one cycle): outbox_items says
-- which. outbox.invitation_id stays as the group's first invitation.
CREATE TABLE outbox_items (
    outbox_id     BIGINT NOT NULL REFERENCES outbox(id),
    invitation_id BIGINT NOT NULL REFERENCES invitations(id),
    PRIMARY KEY (outbox_id, invitation_id)
);
CREATE INDEX outbox_items_invitation ON outbox_items (invitation_id);
INSERT INTO outbox_items (outbox_id, invitation_id) SELECT id, invitation_id FROM outbox WHERE invitation_id IS NOT NULL;

-- Completion as a flag: an anonymous invitation keeps no completion day that could be matched
-- against its response's day. completed_on is set only for attributed relations.
ALTER TABLE invitations ADD COLUMN completed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE invitations SET completed = TRUE WHERE completed_on IS NOT NULL;
CREATE INDEX invitations_open ON invitations (cycle_id, completed);
