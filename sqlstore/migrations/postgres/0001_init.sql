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

-- Ledger accounts and transfer kinds are never deleted, and an account's identity never changes:
-- the journal's references to them are checked once, when a transfer is inserted.
CREATE FUNCTION ledger_rows_permanent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are permanent: % is not allowed', TG_TABLE_NAME, TG_OP;
END
$$;
CREATE TRIGGER ledger_accounts_permanent BEFORE DELETE OR UPDATE OF id, currency, platform ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_rows_permanent();
CREATE TRIGGER transfer_kinds_permanent BEFORE DELETE OR UPDATE ON transfer_kinds
    FOR EACH ROW EXECUTE FUNCTION ledger_rows_permanent();

-- The journal: one immutable row per transfer; id is the idempotency key of the write that made it.
--
-- Its references (accounts, kind, the usage a revert gives back) are checked once per INSERT
-- statement by transfers_references, not by row-level foreign keys: a group commit inserts
-- hundreds of transfers in one statement, and a foreign key runs three locking lookups per row,
-- which cost about a millisecond per 30-row batch, while the hot account's lock is held. The
-- referenced rows are permanent, so a reference checked at insert stays valid.
CREATE TABLE transfers (
    id                UUID PRIMARY KEY,
    debit_account_id  UUID NOT NULL,
    credit_account_id UUID NOT NULL,
    amount            BIGINT NOT NULL CHECK (amount > 0),
    kind              TEXT NOT NULL,
    source            TEXT NOT NULL,
    description       TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    metadata          JSON NOT NULL,
    ref_id            UUID,
    created_at        TIMESTAMPTZ NOT NULL,
    CHECK (debit_account_id <> credit_account_id),
    CHECK ((kind = 'revert') = (ref_id IS NOT NULL))
);
-- An account's transfers, newest first, by side. A usage always credits the platform account,
-- whose credits are never listed: the credit index leaves usage out (queries on it say so).
CREATE INDEX transfers_debit ON transfers (debit_account_id, created_at, id);
CREATE INDEX transfers_credit ON transfers (credit_account_id, created_at, id) WHERE kind <> 'usage';
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

CREATE FUNCTION transfers_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Each distinct value is checked once: a batch of usages names one account pair and one kind.
    IF EXISTS (
        SELECT 1 FROM (SELECT debit_account_id AS id FROM new_transfers
                       UNION SELECT credit_account_id FROM new_transfers) ids
        WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = ids.id)
    ) OR EXISTS (
        SELECT 1 FROM (SELECT DISTINCT kind FROM new_transfers) k
        WHERE NOT EXISTS (SELECT 1 FROM transfer_kinds tk WHERE tk.kind = k.kind)
    ) OR EXISTS (
        SELECT 1 FROM (SELECT DISTINCT ref_id FROM new_transfers WHERE ref_id IS NOT NULL) r
        WHERE NOT EXISTS (SELECT 1 FROM transfers u WHERE u.id = r.ref_id)
    ) THEN
        RAISE EXCEPTION 'a transfer references an unknown account, kind or transfer'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER transfers_references AFTER INSERT ON transfers REFERENCING NEW TABLE AS new_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION transfers_check_references();

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
