-- Every attempt to deliver a webhook event: what, when, how it ended and how long it took.
CREATE TABLE webhook_deliveries (
    id         BIGSERIAL PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    outbox_id  BIGINT NOT NULL,
    event      TEXT NOT NULL,
    attempt    INTEGER NOT NULL,
    at         BIGINT NOT NULL,
    outcome    TEXT NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed')),
    status     TEXT NOT NULL,
    latency_ms BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);
