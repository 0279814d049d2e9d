-- Analytics (issue 33). A closed cycle's groups, part by part, as its close released them: the
-- sums of each (subject, indicator, relation) group's attributed and anonymous parts, so a
-- heatmap or a period pools stored sums instead of aggregating every response again. team is
-- the subject's team in the cycle's org chart. A part its cycle withheld keeps its n only (its
-- sums are stored as zero), so nothing that pools these rows can take in what was withheld.
CREATE TABLE result_parts (
    cycle_id      TEXT NOT NULL REFERENCES cycles(id),
    subject_id    TEXT NOT NULL,
    team          TEXT,
    indicator     TEXT NOT NULL,
    relation      TEXT NOT NULL,
    anonymous     BOOLEAN NOT NULL,
    released      BOOLEAN NOT NULL,
    n             BIGINT NOT NULL,
    value_sum     DOUBLE PRECISION NOT NULL,
    value_sum_sq  DOUBLE PRECISION NOT NULL,
    scale_n       BIGINT NOT NULL,
    top_two       BIGINT NOT NULL,
    nps_n         BIGINT NOT NULL,
    promoters     BIGINT NOT NULL,
    detractors    BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, subject_id, indicator, relation, anonymous)
);
-- When a cycle's parts were stored (a cycle closed before this migration has none: readers
-- compute them from its responses instead).
ALTER TABLE cycles ADD COLUMN parts_at BIGINT;

-- A closed cycle's participation per subject and relation (counts only: who answered an
-- anonymous review is never stored anywhere). Revoked invitations count as invited, as on the
-- admin page, so revoking one never tells whether it was answered.
CREATE TABLE result_participation (
    cycle_id    TEXT NOT NULL REFERENCES cycles(id),
    subject_id  TEXT NOT NULL,
    team        TEXT,
    relation    TEXT NOT NULL,
    invited     BIGINT NOT NULL,
    answered    BIGINT NOT NULL,
    declined    BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, subject_id, relation)
);
INSERT INTO result_participation (cycle_id, subject_id, team, relation, invited, answered, declined)
SELECT i.cycle_id, i.subject_id, CASE WHEN o.person_id IS NULL THEN p.team ELSE o.team END, i.relation,
       COUNT(*), SUM(CASE WHEN i.completed THEN 1 ELSE 0 END), SUM(CASE WHEN i.declined THEN 1 ELSE 0 END)
  FROM invitations i
  LEFT JOIN cycle_org o ON o.cycle_id = i.cycle_id AND o.person_id = i.subject_id
  LEFT JOIN people p ON p.id = i.subject_id
 WHERE i.cycle_id IN (SELECT id FROM cycles WHERE results_at IS NOT NULL)
 GROUP BY i.cycle_id, i.subject_id, CASE WHEN o.person_id IS NULL THEN p.team ELSE o.team END, i.relation;
