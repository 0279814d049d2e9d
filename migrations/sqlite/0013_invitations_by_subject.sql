-- A person's page lists the cycles they were reviewed in; without this index that scanned
-- every invitation of every cycle.
CREATE INDEX invitations_subject ON invitations (subject_id, cycle_id);
