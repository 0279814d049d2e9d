-- A sealed record in two parts of one length each for every record of its survey (CONTRACT
-- §10): `sealed` holds the head, which seals the answer when it fits; its tail holds random
-- bytes, or the answer sealed when it does not fit the head. The tails live in a table of their
-- own, keyed by a number taken from the record's random id: a `sealed_responses` row then fits
-- its b-tree page (SQLite compares whole rows of a WITHOUT ROWID table when it searches one, and
-- a row spilling onto overflow pages made every search read them), a close reads the heads and
-- only the few tails it needs, never the padding. Records of earlier releases keep their one
-- part and have no tail.
ALTER TABLE sealed_responses ADD COLUMN tail_id BIGINT;
CREATE TABLE sealed_tails (
    id    BIGINT PRIMARY KEY,
    tail  TEXT NOT NULL
);
