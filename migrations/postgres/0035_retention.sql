-- When the retention sweep (CANDOR_RETENTION_MONTHS) deleted a closed cycle's invitations,
-- links, drafts and comments; NULL: not yet.
ALTER TABLE cycles ADD COLUMN purged_at BIGINT;
