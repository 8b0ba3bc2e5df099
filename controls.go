package billd

import (
	"context"
	"time"
)

// Account controls: what guards an account's spending (spend limits, payment terms, billing
// threshold, suspension) and tops it up (auto-recharge). Limits, terms, threshold and state are
// platform admins' to set; the recharge settings are the organization's (update permission).

// ControlsUpdate changes the controls that are not nil.
type ControlsUpdate struct {
	HourlySpendLimit  *int64
	MonthlySpendLimit *int64
	BillingThreshold  *int64
	PaymentTerms      *PaymentTerms
	// State is AccountActive (lifting any suspension), SuspendedForAbuse or SuspendedForPayment.
	State    *string
	Recharge *Recharge
}

// adminOnly names the first field of u that only a platform admin may set, or "".
func (u ControlsUpdate) adminOnly() string {
	switch {
	case u.HourlySpendLimit != nil:
		return "hourly spend limit"
	case u.MonthlySpendLimit != nil:
		return "monthly spend limit"
	case u.BillingThreshold != nil:
		return "billing threshold"
	case u.PaymentTerms != nil:
		return "payment terms"
	case u.State != nil:
		return "state"
	}
	return ""
}

// validate refuses negative amounts, unknown terms or states, and a recharge whose watermarks are
// not 0 <= low < high.
func (u ControlsUpdate) validate() error {
	for _, f := range []struct {
		name  string
		value *int64
	}{{"hourly spend limit", u.HourlySpendLimit}, {"monthly spend limit", u.MonthlySpendLimit}, {"billing threshold", u.BillingThreshold}} {
		if f.value != nil && *f.value < 0 {
			return Errorf(EINVALID, "%s must not be negative (0 is none)", f.name)
		}
	}
	if u.PaymentTerms != nil && *u.PaymentTerms != PaymentTermsPrepaid && *u.PaymentTerms != PaymentTermsInvoice {
		return Errorf(EINVALID, "payment terms must be %q or %q", PaymentTermsPrepaid, PaymentTermsInvoice)
	}
	if u.State != nil && *u.State != string(AccountActive) && *u.State != SuspendedForAbuse && *u.State != SuspendedForPayment {
		return Errorf(EINVALID, "state must be %q, %q or %q", AccountActive, SuspendedForAbuse, SuspendedForPayment)
	}
	if r := u.Recharge; r != nil {
		if r.Low < 0 || r.High < 0 {
			return Errorf(EINVALID, "recharge amounts must not be negative")
		}
		if r.Auto && r.Low >= r.High {
			return Errorf(EINVALID, "recharge low (%d) must be below high (%d)", r.Low, r.High)
		}
	}
	return nil
}

// UpdateAccountControls changes an account's controls under its write lock, so that no debit in
// flight sees half of the change, and returns the account as it now is. The recharge settings need
// update permission; every other control is a platform admin's (EFORBIDDEN naming the field
// otherwise). Invoice terms need a credit line: credit_min below 0, set by a platform admin;
// prepaid terms end one (credit_min becomes 0).
func (s *Service) UpdateAccountControls(ctx context.Context, p Principal, orgID, id string, u ControlsUpdate) (*BillingAccount, error) {
	return s.UpdateAccount(ctx, p, orgID, id, nil, u)
}

// apply sets the controls of u on a.
func (u ControlsUpdate) apply(a *BillingAccount) error {
	setIf(&a.HourlySpendLimit, u.HourlySpendLimit)
	setIf(&a.MonthlySpendLimit, u.MonthlySpendLimit)
	setIf(&a.BillingThreshold, u.BillingThreshold)
	if u.PaymentTerms != nil && *u.PaymentTerms != a.PaymentTerms() {
		if *u.PaymentTerms == PaymentTermsInvoice {
			return Errorf(EPRECONDITION, "invoice terms need a credit line: set credit_min below 0 first")
		}
		a.CreditMin = 0
	}
	if u.State != nil {
		switch *u.State {
		case string(AccountActive):
			a.State, a.SuspendedFor = AccountActive, ""
		default:
			a.State, a.SuspendedFor = AccountDisabled, *u.State
		}
	}
	if u.Recharge != nil {
		a.Recharge = *u.Recharge
	}
	return nil
}

// setIf sets *dst to *v when v is not nil.
func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// AccountStatus is an account with what is known of its money at one moment: its balance, the spend
// of the current hour and month, the next invoice, and the last recharge.
type AccountStatus struct {
	Account *BillingAccount
	Balance Balance
	Spend   SpendWindows // as they stand now
	// NextInvoiceTotal is what the account's next invoice would bill now, in ledger units; zero
	// for a prepaid account. InvoiceTime is when it is cut; nil when none is due.
	NextInvoiceTotal int64
	InvoiceTime      *time.Time
	// LastRecharge is the account's latest automatic top-up; nil if none was made.
	LastRecharge *Charge
}

// ChargeKind says why billd charged a payment method off-session.
type ChargeKind string

// Kinds of charges.
const (
	ChargeRecharge ChargeKind = "recharge" // an automatic top-up
	ChargeCredit   ChargeKind = "credit"   // credits bought with a saved method (CUDO's credit payment)
)

// Charge is a payment billd takes off-session from a saved payment method, and its outcome.
// Credits arrive (one grant, whose id is derived from the charge's) only when it succeeds.
type Charge struct {
	ID          string
	OrgID       string
	AccountID   string
	Kind        ChargeKind
	Amount      int64 // in the account currency's minor units, equal to the credits it grants
	Currency    string
	Description string
	// Status is "pending" (not yet answered), "succeeded" or "failed"; a failed charge may be
	// tried again (Attempts, NextAttemptAt) until it succeeds or is given up ("canceled").
	Status           string
	MethodID         string // billd's id of the payment method charged; empty: the default
	ProviderChargeID string
	FailureCode      string // the provider's reason of the last failure
	DeclineCode      string
	FailureMessage   string
	Attempts         int
	NextAttemptAt    *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Charge statuses.
const (
	ChargePending   = "pending"
	ChargeSucceeded = "succeeded"
	ChargeFailed    = "failed"
	ChargeCanceled  = "canceled"
)

// AccountStatus returns an account with its balance, spend windows, next invoice and last
// recharge. Needs get permission; orgID may be empty (the account's own organization). A closed
// (deleted) account is found for platform admins only.
func (s *Service) AccountStatus(ctx context.Context, p Principal, orgID, id string) (*AccountStatus, error) {
	var st *AccountStatus
	err := s.view(ctx, func(tx Tx) error {
		a, err := closedAccount(ctx, tx, p, orgID, id)
		if a == nil && err == nil {
			a, err = permittedAccount(ctx, tx, p, PermRead, orgID, id)
		}
		if err != nil {
			return err
		}
		st, err = s.accountStatus(ctx, tx, a)
		return err
	})
	return st, err
}

// closedAccount returns the account id when it is closed (deleted) and p is a platform admin, who
// still sees it, with its delete and purge times; nil otherwise (everyone else is told it is not
// found, by permittedAccount).
func closedAccount(ctx context.Context, tx Tx, p Principal, orgID, id string) (*BillingAccount, error) {
	if authorize(p, PermSuper, "") != nil || !IsUUID(id) {
		return nil, nil
	}
	a, err := tx.BillingAccount(ctx, id)
	if ErrorCode(err) == ENOTFOUND || (err == nil && (a.State != AccountClosed || (orgID != "" && a.OrgID != orgID))) {
		return nil, nil
	}
	return a, err
}

// accountStatus reads what AccountStatus returns of a.
func (s *Service) accountStatus(ctx context.Context, tx Tx, a *BillingAccount) (*AccountStatus, error) {
	ledger, err := tx.LedgerAccount(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	st := &AccountStatus{Account: a, Balance: ledger.Balance(), Spend: ledger.Spend.At(now)}
	if a.PaymentTerms() == PaymentTermsInvoice {
		owed, _, err := overdraftOwed(ctx, tx, a)
		if err != nil {
			return nil, err
		}
		st.NextInvoiceTotal = max(owed, 0)
		st.InvoiceTime = s.invoiceTime(a, owed, now)
	}
	recharges, err := tx.Charges(ctx, ChargeQuery{AccountID: a.ID, Kind: ChargeRecharge, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(recharges) > 0 {
		st.LastRecharge = recharges[0]
	}
	return st, nil
}

// invoiceTime is when an invoiced account's next invoice is cut: now when what it owes unbilled
// has reached its billing threshold (the invoices worker is cutting it), else the next invoice
// day; nil when neither applies.
func (s *Service) invoiceTime(a *BillingAccount, owed int64, now time.Time) *time.Time {
	if s.invoicing.Product != "" && a.BillingThreshold > 0 && owed >= a.BillingThreshold {
		return &now
	}
	if s.invoicing.Day > 0 {
		at := nextInvoiceDay(now, s.invoicing.Day)
		return &at
	}
	return nil
}

// nextInvoiceDay is the first invoice day (day of the month, UTC midnight) after now.
func nextInvoiceDay(now time.Time, day int) time.Time {
	now = now.UTC()
	at := time.Date(now.Year(), now.Month(), day, 0, 0, 0, 0, time.UTC)
	if !at.After(now) {
		at = at.AddDate(0, 1, 0)
	}
	return at
}
