-- billd schema, SQLite. Forward-only: never edit a released migration, add a new one.

CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    title      TEXT NOT NULL,
    metadata   TEXT NOT NULL,
    avatar     TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('enabled', 'disabled', 'closed')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX organizations_open_name ON organizations (name) WHERE state <> 'closed';
CREATE INDEX organizations_created ON organizations (created_at, id);

CREATE TABLE projects (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    name       TEXT NOT NULL,
    title      TEXT NOT NULL,
    metadata   TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('enabled', 'disabled', 'closed')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX projects_open_name ON projects (org_id, name) WHERE state <> 'closed';
CREATE INDEX projects_org_created ON projects (org_id, created_at, id);

-- Ledger accounts hold stored totals, updated in the transaction of each transfer, so that a
-- balance read is O(1). Platform accounts (one per currency, the counterparty of every transfer)
-- keep zero totals: their balance is derived, so that no single row is written by every transfer.
CREATE TABLE ledger_accounts (
    id             TEXT PRIMARY KEY,
    currency       TEXT NOT NULL,
    platform       BOOLEAN NOT NULL,
    debits_posted  BIGINT NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
    credits_posted BIGINT NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE billing_accounts (
    id          TEXT PRIMARY KEY REFERENCES ledger_accounts (id),
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    phone       TEXT NOT NULL,
    address     TEXT NOT NULL,
    currency    TEXT NOT NULL,
    provider    TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('active', 'disabled', 'closed')),
    tax_data    TEXT NOT NULL,
    metadata    TEXT NOT NULL,
    credit_min  BIGINT NOT NULL,
    due_in_days BIGINT NOT NULL CHECK (due_in_days >= 0),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
-- One active account per organization, enforced by the database.
CREATE UNIQUE INDEX billing_accounts_one_active_per_org ON billing_accounts (org_id) WHERE state = 'active';
CREATE INDEX billing_accounts_org_created ON billing_accounts (org_id, created_at, id);
CREATE INDEX billing_accounts_created ON billing_accounts (created_at, id);

CREATE TABLE transfer_kinds (
    kind TEXT PRIMARY KEY
);
INSERT INTO transfer_kinds (kind) VALUES ('usage'), ('revert'), ('grant');

-- Ledger accounts and transfer kinds are never deleted, and an account's identity never changes.
CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
BEGIN
    SELECT RAISE(ABORT, 'ledger_accounts rows are permanent: DELETE is not allowed');
END;
CREATE TRIGGER ledger_accounts_no_rekey BEFORE UPDATE OF id, currency, platform ON ledger_accounts
BEGIN
    SELECT RAISE(ABORT, 'ledger_accounts rows are permanent: UPDATE of id, currency or platform is not allowed');
END;
CREATE TRIGGER transfer_kinds_no_change BEFORE DELETE ON transfer_kinds
BEGIN
    SELECT RAISE(ABORT, 'transfer_kinds rows are permanent');
END;

-- The journal: one immutable row per transfer; id is the idempotency key of the write that made it.
CREATE TABLE transfers (
    id                TEXT PRIMARY KEY,
    debit_account_id  TEXT NOT NULL REFERENCES ledger_accounts (id),
    credit_account_id TEXT NOT NULL REFERENCES ledger_accounts (id),
    amount            BIGINT NOT NULL CHECK (amount > 0),
    kind              TEXT NOT NULL REFERENCES transfer_kinds (kind),
    source            TEXT NOT NULL,
    description       TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    metadata          TEXT NOT NULL,
    ref_id            TEXT REFERENCES transfers (id),
    created_at        TIMESTAMP NOT NULL,
    CHECK (debit_account_id <> credit_account_id),
    CHECK ((kind = 'revert') = (ref_id IS NOT NULL))
);
-- An account's transfers, newest first, by side. A usage always credits the platform account,
-- whose credits are never listed: the credit index leaves usage out (queries on it say so).
CREATE INDEX transfers_debit ON transfers (debit_account_id, created_at, id);
CREATE INDEX transfers_credit ON transfers (credit_account_id, created_at, id) WHERE kind <> 'usage';
CREATE INDEX transfers_ref ON transfers (ref_id) WHERE ref_id IS NOT NULL;

CREATE TRIGGER transfers_no_update BEFORE UPDATE ON transfers
BEGIN
    SELECT RAISE(ABORT, 'transfers are immutable: UPDATE is not allowed');
END;
CREATE TRIGGER transfers_no_delete BEFORE DELETE ON transfers
BEGIN
    SELECT RAISE(ABORT, 'transfers are immutable: DELETE is not allowed');
END;

CREATE TABLE clients (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    org_id       TEXT REFERENCES organizations (id),
    secret_hash  TEXT NOT NULL,
    api_key_hash TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    CHECK (org_id IS NULL AND role IN ('admin', 'meter') OR org_id IS NOT NULL AND role IN ('owner', 'admin', 'member'))
);
CREATE INDEX clients_created ON clients (created_at, id);
CREATE INDEX clients_org ON clients (org_id, created_at, id);
