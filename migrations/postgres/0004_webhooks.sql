-- Receivers of events (cycle.closed), signed with their shared secret. Deliveries go through
-- the outbox like emails: kind 'webhook', the event body in payload.
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
ALTER TABLE outbox ADD COLUMN webhook_id TEXT REFERENCES webhooks(id);
