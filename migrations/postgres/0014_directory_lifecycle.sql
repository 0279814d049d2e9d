-- People who leave stay in history but take part in nothing new (CONTRACT §8).
ALTER TABLE people ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
-- Customers reached by phone. `email` predates optional addresses: '' stands for none.
ALTER TABLE customers ADD COLUMN phone TEXT;
-- How an invitation reaches its respondent: 'email', or 'none' (a link handed to the caller,
-- never emailed, not even a reminder).
ALTER TABLE invitations ADD COLUMN delivery TEXT NOT NULL DEFAULT 'email';
UPDATE invitations SET delivery = 'none'
 WHERE NOT EXISTS (SELECT 1 FROM outbox_items oi WHERE oi.invitation_id = invitations.id)
   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.invitation_id = invitations.id);
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
-- When someone last asked for reminders of a cycle by hand (a minimum gap between them).
ALTER TABLE cycles ADD COLUMN reminded_at BIGINT;
