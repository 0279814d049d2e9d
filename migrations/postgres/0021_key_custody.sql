-- The key check value (CONTRACT §10): a MAC of a constant under the server key, stored on the
-- first start, so an instance started later with another key is refused before it serves.
CREATE TABLE server_key_check (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    mac        TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The address an invitation was created for: an anonymous invitation is emailed there and
-- nowhere else, whatever the directory says later, and raters are told apart by it.
ALTER TABLE invitations ADD COLUMN sent_to TEXT;
UPDATE invitations SET sent_to = (SELECT p.email FROM people p WHERE p.id = invitations.respondent_person_id)
    WHERE respondent_person_id IS NOT NULL;
UPDATE invitations SET sent_to = (SELECT c.email FROM customers c WHERE c.id = invitations.respondent_customer_id)
    WHERE respondent_customer_id IS NOT NULL;
