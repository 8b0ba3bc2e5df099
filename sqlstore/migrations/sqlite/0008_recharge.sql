-- Auto-recharge and the billing threshold (issue 10), watched in the committer's running state and
-- written with the ledger account's totals, so an ordinary debit costs no extra statement. below_low
-- is set when a debit takes the balance below the account's recharge low and cleared when a credit
-- brings it back (one balance.low event, and one recharge, per crossing); low_crossings numbers the
-- crossings. unbilled is the usage of an invoiced account not yet counted toward its billing
-- threshold; threshold_crossings numbers the times it reached it (one invoice each).
ALTER TABLE ledger_accounts ADD COLUMN below_low BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE ledger_accounts ADD COLUMN low_crossings BIGINT NOT NULL DEFAULT 0 CHECK (low_crossings >= 0);
ALTER TABLE ledger_accounts ADD COLUMN unbilled BIGINT NOT NULL DEFAULT 0 CHECK (unbilled >= 0);
ALTER TABLE ledger_accounts ADD COLUMN threshold_crossings BIGINT NOT NULL DEFAULT 0 CHECK (threshold_crossings >= 0);

-- Off-session charges billd takes from a saved payment method: automatic recharges (the id derived
-- from the account and the crossing) and credit payments. amount is that of the latest attempt.
CREATE TABLE charges (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organizations (id),
    account_id         TEXT NOT NULL REFERENCES billing_accounts (id),
    kind               TEXT NOT NULL CHECK (kind IN ('recharge', 'credit')),
    amount             BIGINT NOT NULL CHECK (amount >= 0),
    currency           TEXT NOT NULL,
    description        TEXT NOT NULL,
    method_id          TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
    provider_charge_id TEXT NOT NULL,
    failure_code       TEXT NOT NULL,
    failure_message    TEXT NOT NULL,
    decline_code       TEXT NOT NULL,
    attempts           BIGINT NOT NULL CHECK (attempts >= 0),
    next_attempt_at    TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
-- An account's charges, newest first.
CREATE INDEX charges_account_created ON charges (account_id, created_at, id);
-- Charges still to be tried, for the recharge worker.
CREATE INDEX charges_open ON charges (next_attempt_at, id) WHERE status IN ('pending', 'failed');

-- Closed accounts whose personal data is still to be erased, for the purge job.
CREATE INDEX billing_accounts_purge ON billing_accounts (purge_at, id) WHERE state = 'closed' AND purged_at IS NULL;
