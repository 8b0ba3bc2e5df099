-- Why a disabled account was suspended: 'abuse' (a platform admin) or 'payment' (an invoice unpaid
-- past its due date; paying it reactivates the account); '' otherwise.
ALTER TABLE billing_accounts ADD COLUMN suspended_for TEXT NOT NULL DEFAULT ''
    CHECK (suspended_for IN ('', 'abuse', 'payment'));

-- Open invoices by due date, for the job that suspends accounts with an overdue one.
CREATE INDEX invoices_open_due ON invoices (due_at) WHERE state = 'open';
