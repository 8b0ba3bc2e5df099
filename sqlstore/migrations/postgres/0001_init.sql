-- billd schema, PostgreSQL. Forward-only: never edit a released migration, add a new one.
-- JSON columns are json, not jsonb: billd writes canonical JSON and reads it back verbatim (jsonb
-- would rewrite numbers such as 1e2), and no query looks inside them.

CREATE TABLE organizations (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    title      TEXT NOT NULL,
    metadata   JSON NOT NULL,
    avatar     TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('enabled', 'disabled', 'closed')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX organizations_open_name ON organizations (name) WHERE state <> 'closed';
CREATE INDEX organizations_created ON organizations (created_at, id);

CREATE TABLE projects (
    id         UUID PRIMARY KEY,
    org_id     UUID NOT NULL REFERENCES organizations (id),
    name       TEXT NOT NULL,
    title      TEXT NOT NULL,
    metadata   JSON NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('enabled', 'disabled', 'closed')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX projects_open_name ON projects (org_id, name) WHERE state <> 'closed';
CREATE INDEX projects_org_created ON projects (org_id, created_at, id);

-- Ledger accounts hold stored totals, updated in the transaction of each transfer, so that a
-- balance read is O(1). Platform accounts (one per currency, the counterparty of every transfer)
-- keep zero totals: their balance is derived, so that no single row is written by every transfer.
CREATE TABLE ledger_accounts (
    id             UUID PRIMARY KEY,
    currency       TEXT NOT NULL,
    platform       BOOLEAN NOT NULL,
    debits_posted  BIGINT NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
    credits_posted BIGINT NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE billing_accounts (
    id          UUID PRIMARY KEY REFERENCES ledger_accounts (id),
    org_id      UUID NOT NULL REFERENCES organizations (id),
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    phone       TEXT NOT NULL,
    address     JSON NOT NULL,
    currency    TEXT NOT NULL,
    provider    TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('active', 'disabled', 'closed')),
    tax_data    JSON NOT NULL,
    metadata    JSON NOT NULL,
    credit_min  BIGINT NOT NULL,
    due_in_days BIGINT NOT NULL CHECK (due_in_days >= 0),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
-- One active account per organization, enforced by the database.
CREATE UNIQUE INDEX billing_accounts_one_active_per_org ON billing_accounts (org_id) WHERE state = 'active';
CREATE INDEX billing_accounts_org_created ON billing_accounts (org_id, created_at, id);
CREATE INDEX billing_accounts_created ON billing_accounts (created_at, id);

CREATE TABLE transfer_kinds (
    kind TEXT PRIMARY KEY
);
INSERT INTO transfer_kinds (kind) VALUES ('usage'), ('revert'), ('grant');

-- The journal: one immutable row per transfer. seq is the insertion order; id is the idempotency
-- key of the write that made the transfer.
CREATE TABLE transfers (
    seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                UUID NOT NULL UNIQUE,
    debit_account_id  UUID NOT NULL REFERENCES ledger_accounts (id),
    credit_account_id UUID NOT NULL REFERENCES ledger_accounts (id),
    amount            BIGINT NOT NULL CHECK (amount > 0),
    kind              TEXT NOT NULL REFERENCES transfer_kinds (kind),
    source            TEXT NOT NULL,
    description       TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    metadata          JSON NOT NULL,
    ref_id            UUID REFERENCES transfers (id),
    created_at        TIMESTAMPTZ NOT NULL,
    CHECK (debit_account_id <> credit_account_id),
    CHECK ((kind = 'revert') = (ref_id IS NOT NULL))
);
CREATE INDEX transfers_debit ON transfers (debit_account_id, created_at, seq);
CREATE INDEX transfers_credit ON transfers (credit_account_id, created_at, seq);
CREATE INDEX transfers_ref ON transfers (ref_id) WHERE ref_id IS NOT NULL;

CREATE FUNCTION transfers_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'transfers are immutable: % is not allowed', TG_OP;
END
$$;
CREATE TRIGGER transfers_no_change BEFORE UPDATE OR DELETE ON transfers
    FOR EACH ROW EXECUTE FUNCTION transfers_immutable();
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON transfers
    FOR EACH STATEMENT EXECUTE FUNCTION transfers_immutable();

CREATE TABLE clients (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    org_id       UUID REFERENCES organizations (id),
    secret_hash  TEXT NOT NULL,
    api_key_hash TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    CHECK (org_id IS NULL AND role IN ('admin', 'meter') OR org_id IS NOT NULL AND role IN ('owner', 'admin', 'member'))
);
CREATE INDEX clients_created ON clients (created_at, id);
CREATE INDEX clients_org ON clients (org_id, created_at, id);
