-- Invoices: the bills sent to billing accounts, for the credits a postpaid account used beyond its
-- balance (overdraft) or for a subscription's period. As with the payment objects, a provider's id
-- that is not known yet is '', and a link to another of billd's objects or a time that is not set
-- is NULL. Organizations gain the seats a per-seat plan charges for.

CREATE TABLE invoices (
    id              UUID PRIMARY KEY,
    org_id          UUID NOT NULL REFERENCES organizations (id),
    account_id      UUID NOT NULL REFERENCES billing_accounts (id),
    kind            TEXT NOT NULL CHECK (kind IN ('overdraft', 'subscription')),
    provider        TEXT NOT NULL,
    provider_id     TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('draft', 'open', 'paid', 'void', 'uncollectible')),
    currency        TEXT NOT NULL,
    amount          BIGINT NOT NULL CHECK (amount >= 0),
    credits         BIGINT NOT NULL CHECK (credits >= 0),
    url             TEXT NOT NULL,
    subscription_id UUID,
    period_start    TIMESTAMPTZ,
    period_end      TIMESTAMPTZ,
    due_at          TIMESTAMPTZ,
    paid_at         TIMESTAMPTZ,
    reconciled_at   TIMESTAMPTZ,
    metadata        JSON NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
-- An account's invoices, and an organization's, newest first.
CREATE INDEX invoices_account_created ON invoices (account_id, created_at, id);
CREATE INDEX invoices_org_created ON invoices (org_id, created_at, id);
-- Paid overdraft invoices whose credits are not given back yet, for the job that gives them back.
CREATE INDEX invoices_unreconciled ON invoices (created_at, id) WHERE kind = 'overdraft' AND state = 'paid' AND reconciled_at IS NULL;
-- A provider's invoice is one of billd's, once its id is known.
CREATE UNIQUE INDEX invoices_provider_id ON invoices (provider, provider_id) WHERE provider_id <> '';

-- Postpaid accounts (active, with an overdraft line), by id, for the job that invoices them.
CREATE INDEX billing_accounts_postpaid ON billing_accounts (id) WHERE state = 'active' AND credit_min < 0;

-- The seats a per-seat plan charges for; 0 counts as 1.
ALTER TABLE organizations ADD COLUMN seats BIGINT NOT NULL DEFAULT 0 CHECK (seats >= 0);
