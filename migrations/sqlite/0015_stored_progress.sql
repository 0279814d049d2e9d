-- A closed cycle's progress per subject (invited, answered), stored with its results: the
-- dashboard of a closed cycle reads these rows instead of counting its invitations again.
CREATE TABLE subject_progress (
    cycle_id    TEXT NOT NULL REFERENCES cycles(id),
    subject_id  TEXT NOT NULL,
    invited     BIGINT NOT NULL,
    completed   BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, subject_id)
);
INSERT INTO subject_progress (cycle_id, subject_id, invited, completed)
SELECT cycle_id, subject_id, COUNT(*), SUM(CASE WHEN completed THEN 1 ELSE 0 END) FROM invitations
 WHERE cycle_id IN (SELECT id FROM cycles WHERE results_at IS NOT NULL)
 GROUP BY cycle_id, subject_id;
