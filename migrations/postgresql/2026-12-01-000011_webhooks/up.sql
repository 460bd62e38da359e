-- Webhook endpoints of national systems (Standard Webhooks), and each event's
-- delivery to each endpoint. An endpoint hears what its service account may see at
-- delivery time; `cursor` is the last outbox event it has considered.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    service_account_id TEXT NOT NULL REFERENCES users (id),
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    -- The secret is derived from the service's key and this generation, never stored;
    -- the previous generation still signs until previous_generation_until.
    secret_generation INTEGER NOT NULL,
    previous_generation_until TIMESTAMP,
    status TEXT NOT NULL,
    disabled_reason TEXT,
    cursor BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_agency ON webhooks (agency_id);

CREATE TABLE webhook_deliveries (
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    event_seq BIGINT NOT NULL REFERENCES events (seq),
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP,
    lease_until TIMESTAMP,
    last_status INTEGER,
    last_error TEXT,
    last_latency_ms BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
