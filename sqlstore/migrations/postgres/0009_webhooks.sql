-- Outgoing webhooks (issue 10 §3). An endpoint belongs to an organization, or to the platform when
-- org_id is NULL (it then gets every organization's events). types is a comma-separated list of
-- event types, '' for all. The signing secret is stored as it is: billd signs with it, so it must
-- be able to read it back (docs/api.md says so).
CREATE TABLE webhooks (
    id          UUID PRIMARY KEY,
    org_id      UUID REFERENCES organizations (id),
    url         TEXT NOT NULL,
    types       TEXT NOT NULL,
    description TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL,
    secret      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhooks_org ON webhooks (org_id, created_at, id);

-- Whether the delivery worker has made the deliveries of a notice yet.
ALTER TABLE notices ADD COLUMN fanned_out BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX notices_unfanned ON notices (created_at, id) WHERE NOT fanned_out;

-- One notice to one endpoint: made once per (notice, endpoint), pending until a 2xx answer
-- (delivered) or until retries have run for 24 hours since retry_from (failed).
CREATE TABLE webhook_deliveries (
    id          UUID PRIMARY KEY,
    notice_id   TEXT NOT NULL REFERENCES notices (id),
    webhook_id  UUID NOT NULL REFERENCES webhooks (id),
    state       TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts    INTEGER NOT NULL,
    next_at     TIMESTAMPTZ NOT NULL,
    retry_from  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (notice_id, webhook_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, created_at, id);

-- The delivery log: the newest attempts of each delivery (older ones are trimmed).
CREATE TABLE webhook_attempts (
    delivery_id UUID NOT NULL REFERENCES webhook_deliveries (id),
    n           INTEGER NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL,
    response    TEXT NOT NULL,
    PRIMARY KEY (delivery_id, n)
);
