-- Spend limits of a billing account: the usage of one UTC hour and of one calendar month at most
-- (0 is no limit). Platform admins set them.
ALTER TABLE billing_accounts ADD COLUMN hourly_spend_limit BIGINT NOT NULL DEFAULT 0 CHECK (hourly_spend_limit >= 0);
ALTER TABLE billing_accounts ADD COLUMN monthly_spend_limit BIGINT NOT NULL DEFAULT 0 CHECK (monthly_spend_limit >= 0);

-- The usage of the current hour and month, kept beside the ledger account's totals and written
-- with them, so that a limit is checked in O(1). A window that began before the present one counts
-- as empty.
ALTER TABLE ledger_accounts ADD COLUMN hour_start TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01 00:00:00+00';
ALTER TABLE ledger_accounts ADD COLUMN hour_spend BIGINT NOT NULL DEFAULT 0 CHECK (hour_spend >= 0);
ALTER TABLE ledger_accounts ADD COLUMN month_start TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01 00:00:00+00';
ALTER TABLE ledger_accounts ADD COLUMN month_spend BIGINT NOT NULL DEFAULT 0 CHECK (month_spend >= 0);
