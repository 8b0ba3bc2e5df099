-- Account controls (issue 10). The billing threshold of an invoiced account: unbilled spend at
-- which an invoice is cut at once (0 is none); the automatic recharge between two watermarks; who
-- created the account; when it was closed, and when its personal data is (was) erased.
ALTER TABLE billing_accounts ADD COLUMN billing_threshold BIGINT NOT NULL DEFAULT 0 CHECK (billing_threshold >= 0);
ALTER TABLE billing_accounts ADD COLUMN recharge_auto BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE billing_accounts ADD COLUMN recharge_low BIGINT NOT NULL DEFAULT 0 CHECK (recharge_low >= 0);
ALTER TABLE billing_accounts ADD COLUMN recharge_high BIGINT NOT NULL DEFAULT 0 CHECK (recharge_high >= 0);
ALTER TABLE billing_accounts ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE billing_accounts ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE billing_accounts ADD COLUMN purge_at TIMESTAMP;
ALTER TABLE billing_accounts ADD COLUMN purged_at TIMESTAMP;

-- The outbox: events for webhook receivers, written in the transaction of the change that causes
-- them. The id is derived from the cause, so an event written twice is stored once.
CREATE TABLE notices (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    org_id     TEXT,
    account_id TEXT,
    data       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notices_created ON notices (created_at, id);
