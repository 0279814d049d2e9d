-- Anonymous answers are sealed until their cycle closes (CONTRACT §6): only ciphertext, under a
-- random key, with nothing but the cycle in clear. The closing transaction unseals them into
-- responses and deletes these rows.
CREATE TABLE sealed_responses (
    id        TEXT PRIMARY KEY,
    cycle_id  TEXT NOT NULL REFERENCES cycles(id),
    sealed    TEXT NOT NULL
);
CREATE INDEX sealed_responses_cycle ON sealed_responses (cycle_id);

-- Distinct raters of each released anonymous group, counted at close from the sealed records
-- (indicator '' counts every response of the relation: the threshold for comments). Per group,
-- never per response: nothing here links two answers of one rater.
CREATE TABLE group_raters (
    cycle_id    TEXT NOT NULL REFERENCES cycles(id),
    subject_id  TEXT NOT NULL,
    relation    TEXT NOT NULL,
    indicator   TEXT NOT NULL,
    raters      BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, subject_id, relation, indicator)
);

-- Admin accounts made by `candor login-link --admin` for an address of no person are not in the
-- org chart: never a subject, never a rater.
ALTER TABLE people ADD COLUMN org_member BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE people SET org_member = FALSE
WHERE id LIKE 'admin-%' AND is_admin AND manager_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM people r WHERE r.manager_id = people.id);
