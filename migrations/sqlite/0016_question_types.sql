-- Choice questions, "can't judge" on scales and wording by relation (options, multiple, na,
-- text_by_relation as one JSON document in `extra`); display names of indicators per survey.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt (nothing refers to it).
CREATE TABLE questions_new (
    survey_id   TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    position    INTEGER NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('scale', 'nps', 'text', 'choice')),
    min         INTEGER,
    max         INTEGER,
    indicator   TEXT,
    required    INTEGER NOT NULL,
    text        TEXT NOT NULL,
    text_i18n   TEXT NOT NULL DEFAULT '{}',
    extra       TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (survey_id, id)
);
INSERT INTO questions_new (survey_id, id, position, type, min, max, indicator, required, text, text_i18n)
SELECT survey_id, id, position, type, min, max, indicator, required, text, text_i18n FROM questions;
DROP TABLE questions;
ALTER TABLE questions_new RENAME TO questions;
ALTER TABLE surveys ADD COLUMN indicator_names TEXT NOT NULL DEFAULT '{}';
