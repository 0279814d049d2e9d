-- Every audit entry names what it changed (a person, a key, a cycle), not only who changed it.
ALTER TABLE audit_log ADD COLUMN target TEXT NOT NULL DEFAULT '';
