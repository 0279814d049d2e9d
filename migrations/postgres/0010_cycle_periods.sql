-- The period a cycle belongs to (CONTRACT §7): 'YYYY-MM', 'YYYY-Qn' or 'YYYY'; scores pool the
-- closed cycles of a period.
ALTER TABLE cycles ADD COLUMN period TEXT;
