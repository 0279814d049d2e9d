-- Each response's value per indicator (the mean of its answers on 0-100) and the counts behind
-- CSAT and NPS, written with the response. Scores then read one row per response and
-- indicator, in key order, instead of joining every answer to its question.
CREATE TABLE response_scores (
    cycle_id     TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    indicator    TEXT NOT NULL,
    relation     TEXT NOT NULL,
    anonymous    INTEGER NOT NULL,
    response_id  TEXT NOT NULL REFERENCES responses(id),
    value        DOUBLE PRECISION NOT NULL,
    scale_n      BIGINT NOT NULL,
    top_two      BIGINT NOT NULL,
    nps_n        BIGINT NOT NULL,
    promoters    BIGINT NOT NULL,
    detractors   BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, subject_id, indicator, relation, anonymous, response_id)
) WITHOUT ROWID;

INSERT INTO response_scores
SELECT r.cycle_id, r.subject_id, q.indicator, r.relation,
       CASE WHEN r.relation IN ('peer', 'direct_report') OR (r.relation = 'customer' AND s.anonymous = 1) THEN 1 ELSE 0 END,
       r.id,
       AVG(CASE WHEN q.type = 'nps' THEN CAST(a.value AS DOUBLE PRECISION) * 10
           ELSE CAST(a.value - q.min AS DOUBLE PRECISION) * 100 / (q.max - q.min) END),
       SUM(CASE WHEN q.indicator = 'customer_satisfaction' AND q.type = 'scale' THEN 1 ELSE 0 END),
       SUM(CASE WHEN q.indicator = 'customer_satisfaction' AND q.type = 'scale' AND a.value >= q.max - 1 THEN 1 ELSE 0 END),
       SUM(CASE WHEN q.indicator = 'customer_satisfaction' AND q.type = 'nps' THEN 1 ELSE 0 END),
       SUM(CASE WHEN q.indicator = 'customer_satisfaction' AND q.type = 'nps' AND a.value >= 9 THEN 1 ELSE 0 END),
       SUM(CASE WHEN q.indicator = 'customer_satisfaction' AND q.type = 'nps' AND a.value <= 6 THEN 1 ELSE 0 END)
FROM responses r JOIN surveys s ON s.id = r.survey_id
JOIN answers a ON a.response_id = r.id
JOIN questions q ON q.survey_id = r.survey_id AND q.id = a.question_id
WHERE q.indicator IS NOT NULL AND a.value IS NOT NULL
GROUP BY r.cycle_id, r.subject_id, q.indicator, r.relation, s.anonymous, r.id;
