-- Choice questions, "can't judge" on scales and wording by relation (options, multiple, na,
-- text_by_relation as one JSON document in `extra`); display names of indicators per survey.
ALTER TABLE questions DROP CONSTRAINT IF EXISTS questions_type_check;
ALTER TABLE questions ADD CONSTRAINT questions_type_check CHECK (type IN ('scale', 'nps', 'text', 'choice'));
ALTER TABLE questions ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';
ALTER TABLE surveys ADD COLUMN indicator_names TEXT NOT NULL DEFAULT '{}';
