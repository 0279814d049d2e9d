-- A person's role (a snake_case label such as sales or sales_manager) and, per cycle, weights
-- by role (JSON: {"role": {"manager": 1, "peer": 1, "direct_report": 2}}).
ALTER TABLE people ADD COLUMN role TEXT;
ALTER TABLE cycles ADD COLUMN weights_by_role TEXT;

-- The org chart as it was when a cycle first invited anyone: its scores, team views and scope
-- never change when people move later.
CREATE TABLE cycle_org (
    cycle_id    TEXT NOT NULL REFERENCES cycles(id),
    person_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    manager_id  TEXT,
    team        TEXT,
    role        TEXT,
    PRIMARY KEY (cycle_id, person_id)
);
