-- The address a respondent link was emailed to (or the signed-in person's, for a link opened
-- from /me): a link leads on only to anonymous reviews sent to that same address.
ALTER TABLE links ADD COLUMN sent_to TEXT;
