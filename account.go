package billd

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// AccountState is the state of a billing account.
type AccountState string

// Billing account states. Only an active account can be debited; a disabled one can still be
// credited; a closed one was deleted: it is hidden from the API, takes no transfers, and its
// journal is kept.
const (
	AccountActive   AccountState = "active"
	AccountDisabled AccountState = "disabled"
	AccountClosed   AccountState = "closed"
)

// Reasons of a suspension: a suspended account is disabled, and says why.
const (
	SuspendedForAbuse   = "abuse"   // by a platform admin
	SuspendedForPayment = "payment" // an invoice is unpaid past its due date; paying it reactivates
)

// CreditCurrency is the unit of every credit ledger: virtual credits, exponent 0.
const CreditCurrency = "VC"

// DefaultDueInDays is the payment term of a new account.
const DefaultDueInDays = 30

// BillingAccount is an organization's customer account: its billing profile and the rules of its
// credit ledger. Its ledger account has the same id.
type BillingAccount struct {
	ID             string
	OrgID          string
	Name           string
	Email          string
	Phone          string
	Address        Address
	Currency       string // payment currency, ISO 4217 lower case
	LedgerCurrency string // unit of the credit ledger
	Provider       string // payment provider; empty while the account is offline
	ProviderID     string // the provider's customer id
	State          AccountState
	TaxData        []TaxID
	Metadata       Metadata
	CreditMin      int64 // a debit must leave balance ≥ CreditMin; negative = overdraft line
	DueInDays      int64 // days until an invoice is due
	// HourlySpendLimit and MonthlySpendLimit bound the usage of one UTC hour and of one calendar
	// month (UTC); 0 is no limit. Platform admins set them.
	HourlySpendLimit  int64
	MonthlySpendLimit int64
	// SuspendedFor says why a disabled account was suspended (SuspendedForAbuse or
	// SuspendedForPayment); empty for an account disabled otherwise, or not disabled.
	SuspendedFor string
	// BillingThreshold, for an invoiced account (PaymentTermsInvoice), is the unbilled spend at
	// which an invoice is cut at once instead of at the month's end; 0 is none. Platform admins
	// set it.
	BillingThreshold int64
	// Recharge is the account's automatic top-up, which its organization's admins set.
	Recharge Recharge
	// CreatedBy is the principal (API client id) that created the account.
	CreatedBy string
	// DeletedAt is when the account was closed; PurgeAt is when its personal data is (or was)
	// erased, and PurgedAt when that happened. Nil while not applicable.
	DeletedAt *time.Time
	PurgeAt   *time.Time
	PurgedAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Recharge is an automatic top-up: when a debit leaves the balance below Low, billd charges the
// account's default payment method off-session for High minus the balance, once per crossing, and
// credits what the charge pays. Amounts are in ledger units (credits), which are minor units of
// the account's currency in the CUDO dialect. Off unless Auto; Auto needs 0 <= Low < High.
type Recharge struct {
	Auto bool
	Low  int64
	High int64
}

// PaymentTerms says how an account pays for its usage.
type PaymentTerms string

// Payment terms. A prepaid account's debits need its balance (credit_min is not negative); an
// invoiced account has a credit line of -credit_min and is billed in arrears.
const (
	PaymentTermsPrepaid PaymentTerms = "prepaid"
	PaymentTermsInvoice PaymentTerms = "invoice"
)

// PaymentTerms returns the account's terms, which follow its credit_min: a negative credit_min is
// a credit line, which is invoiced.
func (a *BillingAccount) PaymentTerms() PaymentTerms {
	if a.CreditMin < 0 {
		return PaymentTermsInvoice
	}
	return PaymentTermsPrepaid
}

// Address is a postal address.
type Address struct {
	Line1, Line2, City, State, PostalCode, Country string
}

// TaxID is a tax identifier, such as {"vat", "DE123456789"}.
type TaxID struct {
	Type string
	ID   string
}

// BillingAccountInput is what a caller sets on a billing account.
type BillingAccountInput struct {
	Name     string
	Email    string
	Phone    string
	Address  Address
	Currency string
	TaxData  []TaxID
	Metadata Metadata
}

// Balance is the credit balance of a ledger account.
type Balance struct {
	Amount    int64
	Currency  string
	UpdatedAt time.Time
}

// AccountDetails are the ledger rules of an account that platform admins set.
type AccountDetails struct {
	CreditMin         int64
	DueInDays         int64
	HourlySpendLimit  int64
	MonthlySpendLimit int64
}

// AccountDetailsUpdate changes the fields that are not nil.
type AccountDetailsUpdate struct {
	CreditMin         *int64
	DueInDays         *int64
	HourlySpendLimit  *int64
	MonthlySpendLimit *int64
}

func (in *BillingAccountInput) validate(l Limits) error {
	in.Currency = strings.ToLower(strings.TrimSpace(in.Currency))
	if in.Currency == "" {
		in.Currency = "usd"
	}
	if len(in.Currency) != 3 || strings.Trim(in.Currency, "abcdefghijklmnopqrstuvwxyz") != "" {
		return Errorf(EINVALID, "currency must be a three-letter ISO 4217 code, got %q", Truncate(in.Currency, 16))
	}
	for _, f := range []struct{ name, value string }{
		{"name", in.Name}, {"phone", in.Phone}, {"address.line1", in.Address.Line1},
		{"address.line2", in.Address.Line2}, {"address.city", in.Address.City},
		{"address.state", in.Address.State}, {"address.postal_code", in.Address.PostalCode},
		{"address.country", in.Address.Country},
	} {
		if utf8.RuneCountInString(f.value) > maxTitleLen {
			return Errorf(EINVALID, "%s must be at most %d characters long", f.name, maxTitleLen)
		}
		if err := checkText(f.name, f.value); err != nil {
			return err
		}
	}
	if in.Email != "" && (len(in.Email) > 320 || !strings.Contains(in.Email, "@") || strings.ContainsAny(in.Email, " \t\r\n\x00")) {
		return Errorf(EINVALID, "email is not an email address")
	}
	if len(in.TaxData) > 16 {
		return Errorf(EINVALID, "an account holds at most 16 tax ids")
	}
	for _, t := range in.TaxData {
		if t.Type == "" || t.ID == "" || len(t.Type) > 64 || len(t.ID) > 64 {
			return Errorf(EINVALID, "each tax id needs a type and an id of at most 64 characters")
		}
		if err := checkTexts("tax id type", t.Type, "tax id", t.ID); err != nil {
			return err
		}
	}
	if in.TaxData == nil {
		in.TaxData = []TaxID{}
	}
	if in.Metadata == nil {
		in.Metadata = Metadata{}
	}
	return l.checkMetadata(in.Metadata)
}

// PlatformAccountID returns the id of the platform ledger account of a currency: the counterparty
// of every transfer in that currency.
func PlatformAccountID(currency string) string {
	return DeriveUUID("platform:" + currency)
}

// CreateBillingAccount creates the active billing account of an enabled organization. Needs delete
// permission (owner). EPRECONDITION if the organization already has an active account or has an
// account with a negative balance; EQUOTA if it has Limits.MaxAccountsPerOrg accounts.
func (s *Service) CreateBillingAccount(ctx context.Context, p Principal, orgID string, in BillingAccountInput) (*BillingAccount, error) {
	if err := Preauthorize(p, PermDelete, orgID); err != nil {
		return nil, err
	}
	if err := in.validate(s.limits); err != nil {
		return nil, err
	}
	defer s.accountsChanged()
	var a *BillingAccount
	err := s.update(ctx, func(tx Tx) error {
		o, err := enabledOrganization(ctx, tx, p, PermDelete, orgID)
		if err != nil {
			return err
		}
		if _, err := tx.ActiveBillingAccount(ctx, o.ID); ErrorCode(err) != ENOTFOUND {
			if err != nil {
				return err
			}
			return errActiveAccountExists
		}
		if dues, err := tx.OrganizationHasDues(ctx, o.ID); err != nil || dues {
			if err != nil {
				return err
			}
			return Errorf(EPRECONDITION, "organization has a billing account with pending dues")
		}
		if err := s.limits.checkQuota(ctx, tx, o.ID, ObjectAccounts); err != nil {
			return err
		}
		now := s.clock()
		a = &BillingAccount{ID: s.newID(), OrgID: o.ID, Name: in.Name, Email: in.Email, Phone: in.Phone,
			Address: in.Address, Currency: in.Currency, LedgerCurrency: CreditCurrency, State: AccountActive,
			TaxData: in.TaxData, Metadata: in.Metadata, DueInDays: DefaultDueInDays, CreatedBy: p.ClientID,
			CreatedAt: now, UpdatedAt: now}
		return tx.InsertBillingAccount(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// errActiveAccountExists is the error of a second active account in one organization.
var errActiveAccountExists = Errorf(EPRECONDITION, "organization already has an active billing account")

// BillingAccount returns an open billing account of an organization (orgID may be empty: the
// account's own, as the current Frontier API names accounts by id alone). Needs get permission;
// ENOTFOUND if the account is not the organization's.
func (s *Service) BillingAccount(ctx context.Context, p Principal, orgID, id string) (*BillingAccount, error) {
	var a *BillingAccount
	err := s.view(ctx, func(tx Tx) (err error) {
		a, err = permittedAccount(ctx, tx, p, PermRead, orgID, id)
		return err
	})
	return a, err
}

// accountOrganization returns orgID or, when it is empty, the organization of the billing account
// id, whose authorization the caller then checks. ENOTFOUND if there is no such account.
func accountOrganization(ctx context.Context, tx Tx, orgID, id string) (string, error) {
	if orgID != "" {
		return orgID, nil
	}
	acct, err := ParseUUID("billing account id", id)
	if err != nil {
		return "", err
	}
	a, err := tx.BillingAccount(ctx, acct)
	if err != nil {
		return "", err
	}
	return a.OrgID, nil
}

// accountOf returns the open billing account id of the organization orgID.
func accountOf(ctx context.Context, tx Tx, orgID, id string) (*BillingAccount, error) {
	id, err := ParseUUID("billing account id", id)
	if err != nil {
		return nil, err
	}
	a, err := tx.BillingAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.OrgID != orgID || a.State == AccountClosed {
		return nil, Errorf(ENOTFOUND, "billing account not found")
	}
	return a, nil
}

// permittedAccount returns the open billing account id of orgID (empty: the account's own
// organization) after checking that p has perm on the organization, which may be disabled.
func permittedAccount(ctx context.Context, tx Tx, p Principal, perm Permission, orgID, id string) (*BillingAccount, error) {
	orgID, err := accountOrganization(ctx, tx, orgID, id)
	if err != nil {
		return nil, err
	}
	o, err := openOrganization(ctx, tx, p, perm, orgID, false)
	if err != nil {
		return nil, err
	}
	return accountOf(ctx, tx, o.ID, id)
}

// lockAccountOf is accountOf under the account's write lock, reading the account after the lock.
func lockAccountOf(ctx context.Context, tx Tx, orgID, id string) (*BillingAccount, error) {
	a, err := accountOf(ctx, tx, orgID, id)
	if err != nil {
		return nil, err
	}
	if _, err := tx.LockLedgerAccounts(ctx, []string{a.ID}); err != nil {
		return nil, err
	}
	return accountOf(ctx, tx, orgID, a.ID)
}

// ListBillingAccounts lists an organization's open accounts, newest first. Needs get permission.
func (s *Service) ListBillingAccounts(ctx context.Context, p Principal, orgID string, page PageRequest) (Page[*BillingAccount], error) {
	if err := Preauthorize(p, PermRead, orgID); err != nil {
		return Page[*BillingAccount]{}, err
	}
	return s.listAccounts(ctx, page, func(tx Tx) (string, error) {
		o, err := openOrganization(ctx, tx, p, PermRead, orgID, false)
		if err != nil {
			return "", err
		}
		return o.ID, nil
	})
}

// ListAllBillingAccounts lists the open accounts of every organization, or of one when orgID is
// set, newest first. Platform admins only.
func (s *Service) ListAllBillingAccounts(ctx context.Context, p Principal, orgID string, page PageRequest) (Page[*BillingAccount], error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return Page[*BillingAccount]{}, err
	}
	return s.listAccounts(ctx, page, func(tx Tx) (string, error) {
		if orgID == "" {
			return "", nil
		}
		return ParseUUID("organization id", orgID)
	})
}

func (s *Service) listAccounts(ctx context.Context, page PageRequest, org func(Tx) (string, error)) (Page[*BillingAccount], error) {
	limit, after, err := pageQuery(page, IsUUID)
	if err != nil {
		return Page[*BillingAccount]{}, err
	}
	var accounts []*BillingAccount
	err = s.view(ctx, func(tx Tx) error {
		orgID, err := org(tx)
		if err != nil {
			return err
		}
		accounts, err = tx.BillingAccounts(ctx, BillingAccountQuery{OrgID: orgID, After: after, Limit: limit + 1})
		return err
	})
	if err != nil {
		return Page[*BillingAccount]{}, err
	}
	return makePage(accounts, limit, func(a *BillingAccount) Cursor { return Cursor{At: a.CreatedAt, ID: a.ID} }), nil
}

// UpdateBillingAccount replaces the billing profile of an account (name, email, phone, address,
// currency, tax data, metadata). Needs delete permission (owner), as in Frontier.
func (s *Service) UpdateBillingAccount(ctx context.Context, p Principal, orgID, id string, in BillingAccountInput) (*BillingAccount, error) {
	if err := Preauthorize(p, PermDelete, orgID); err != nil {
		return nil, err
	}
	if err := in.validate(s.limits); err != nil {
		return nil, err
	}
	return s.changeAccount(ctx, p, PermDelete, orgID, id, func(a *BillingAccount) error {
		in.apply(a)
		return nil
	})
}

// apply sets the profile in on a.
func (in *BillingAccountInput) apply(a *BillingAccount) {
	a.Name, a.Email, a.Phone, a.Address = in.Name, in.Email, in.Phone, in.Address
	a.Currency, a.TaxData, a.Metadata = in.Currency, in.TaxData, in.Metadata
}

// changeAccount runs change on an account under its write lock, in an enabled organization, and
// stores the result, with the notice of a suspension made or lifted.
func (s *Service) changeAccount(ctx context.Context, p Principal, perm Permission, orgID, id string, change func(*BillingAccount) error) (*BillingAccount, error) {
	defer s.accountsChanged()
	var a *BillingAccount
	err := s.update(ctx, func(tx Tx) error {
		orgID, err := accountOrganization(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		o, err := enabledOrganization(ctx, tx, p, perm, orgID)
		if err != nil {
			return err
		}
		if a, err = lockAccountOf(ctx, tx, o.ID, id); err != nil {
			return err
		}
		wasFor := a.SuspendedFor
		if err := change(a); err != nil {
			return err
		}
		a.UpdatedAt = s.clock()
		if err := tx.AppendNotices(ctx, accountStateNotices(wasFor, a, a.UpdatedAt)); err != nil {
			return err
		}
		return tx.UpdateBillingAccount(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// SetBillingAccountState enables or disables an account, lifting a suspension. Needs delete
// permission, and a platform admin for a suspended account (EFORBIDDEN otherwise). Enabling fails
// with EPRECONDITION while another account of the organization is active.
func (s *Service) SetBillingAccountState(ctx context.Context, p Principal, orgID, id string, state AccountState) error {
	if state != AccountActive && state != AccountDisabled {
		return Errorf(EINVALID, "state must be %q or %q", AccountActive, AccountDisabled)
	}
	_, err := s.changeAccount(ctx, p, PermDelete, orgID, id, func(a *BillingAccount) error {
		if a.SuspendedFor != "" && authorize(p, PermSuper, "") != nil {
			return Errorf(EFORBIDDEN, "billing account is suspended for %s: only a platform admin can lift the suspension", a.SuspendedFor)
		}
		a.State, a.SuspendedFor = state, ""
		return nil
	})
	return err
}

// SuspendBillingAccount disables an account for a reason, SuspendedForAbuse or SuspendedForPayment:
// it refuses usage, saying why, until it is enabled again. Platform admins only.
func (s *Service) SuspendBillingAccount(ctx context.Context, p Principal, orgID, id, reason string) error {
	if err := authorize(p, PermSuper, ""); err != nil {
		return err
	}
	if reason != SuspendedForAbuse && reason != SuspendedForPayment {
		return Errorf(EINVALID, "a suspension's reason must be %q or %q", SuspendedForAbuse, SuspendedForPayment)
	}
	_, err := s.changeAccount(ctx, p, PermSuper, orgID, id, func(a *BillingAccount) error {
		a.State, a.SuspendedFor = AccountDisabled, reason
		return nil
	})
	return err
}

// DeleteBillingAccount closes an account: it takes no more transfers and is hidden from the API;
// its journal is kept and a negative balance still counts as the organization's dues. Its
// DeletedAt is now and its PurgeAt now plus the service's PurgeAfter, when the purge job erases its
// personal data (purge.go). Needs delete permission.
func (s *Service) DeleteBillingAccount(ctx context.Context, p Principal, orgID, id string) error {
	_, err := s.changeAccount(ctx, p, PermDelete, orgID, id, func(a *BillingAccount) error {
		s.closeAccount(a, s.clock())
		return nil
	})
	return err
}

// closeAccount closes a at now: deleted now, its personal data to be purged after the service's
// retention period.
func (s *Service) closeAccount(a *BillingAccount, now time.Time) {
	purge := now.Add(s.purge)
	a.State, a.DeletedAt, a.PurgeAt, a.UpdatedAt = AccountClosed, &now, &purge, now
}

// AccountDetails returns the ledger rules of an account. Platform admins only.
func (s *Service) AccountDetails(ctx context.Context, p Principal, orgID, id string) (AccountDetails, error) {
	var d AccountDetails
	err := s.view(ctx, func(tx Tx) error {
		a, err := permittedAccount(ctx, tx, p, PermSuper, orgID, id)
		if err != nil {
			return err
		}
		d = detailsOf(a)
		return nil
	})
	return d, err
}

// SetSpendLimits sets an account's hourly and monthly spend limits (those given; 0 is no limit),
// as UpdateAccountDetails does, and returns the account's details as they now are.
func (s *Service) SetSpendLimits(ctx context.Context, p Principal, orgID, id string, hourly, monthly *int64) (AccountDetails, error) {
	var d AccountDetails
	err := s.updateAccountDetails(ctx, p, orgID, id, AccountDetailsUpdate{HourlySpendLimit: hourly, MonthlySpendLimit: monthly},
		func(a *BillingAccount) { d = detailsOf(a) })
	return d, err
}

// detailsOf returns the ledger rules of a.
func detailsOf(a *BillingAccount) AccountDetails {
	return AccountDetails{CreditMin: a.CreditMin, DueInDays: a.DueInDays, HourlySpendLimit: a.HourlySpendLimit,
		MonthlySpendLimit: a.MonthlySpendLimit}
}

// UpdateAccountDetails sets credit_min, due_in_days and the spend limits (those given) under the
// account's write lock, so that no debit in flight sees half of the change. Platform admins only;
// EINVALID if due_in_days or a limit is negative.
func (s *Service) UpdateAccountDetails(ctx context.Context, p Principal, orgID, id string, u AccountDetailsUpdate) error {
	return s.updateAccountDetails(ctx, p, orgID, id, u, func(*BillingAccount) {})
}

// updateAccountDetails is UpdateAccountDetails, handing the changed account to done.
func (s *Service) updateAccountDetails(ctx context.Context, p Principal, orgID, id string, u AccountDetailsUpdate, done func(*BillingAccount)) error {
	if err := authorize(p, PermSuper, ""); err != nil {
		return err
	}
	if u.DueInDays != nil && (*u.DueInDays < 0 || *u.DueInDays > 3650) {
		return Errorf(EINVALID, "the payment term must be between 0 and 3650 days")
	}
	for _, l := range []struct {
		name  string
		value *int64
	}{{"hourly_spend_limit", u.HourlySpendLimit}, {"monthly_spend_limit", u.MonthlySpendLimit}} {
		if l.value != nil && *l.value < 0 {
			return Errorf(EINVALID, "%s must not be negative (0 is no limit)", l.name)
		}
	}
	a, err := s.changeAccount(ctx, p, PermSuper, orgID, id, func(a *BillingAccount) error {
		if u.CreditMin != nil {
			a.CreditMin = *u.CreditMin
		}
		if u.DueInDays != nil {
			a.DueInDays = *u.DueInDays
		}
		if u.HourlySpendLimit != nil {
			a.HourlySpendLimit = *u.HourlySpendLimit
		}
		if u.MonthlySpendLimit != nil {
			a.MonthlySpendLimit = *u.MonthlySpendLimit
		}
		return nil
	})
	if err == nil {
		done(a)
	}
	return err
}

// Balance returns the credit balance of an account, read in O(1) from its stored totals. Needs get
// permission, or the platform meter role. orgID may be empty: the account's own, found in the same
// single read. ENOTFOUND for an
// unknown or closed organization or account, or an account of another organization.
func (s *Service) Balance(ctx context.Context, p Principal, orgID, id string) (Balance, error) {
	var b Balance
	err := s.view(ctx, func(tx Tx) error {
		l, err := visibleLedger(ctx, tx, p, orgID, id)
		if err == nil {
			b = l.Balance()
		}
		return err
	})
	return b, err
}

// visibleLedger returns the ledger account of billing account id of organization orgID (or, when
// orgID is empty, of the account's own organization), in one read, if p may read its balance. If
// the account is not visible, the checks of openOrganization and accountOf say why (organization
// or account not found).
func visibleLedger(ctx context.Context, tx Tx, p Principal, orgID, id string) (*LedgerAccount, error) {
	var org string
	if orgID != "" {
		var err error
		if org, err = ParseUUID("organization id", orgID); err != nil {
			return nil, err
		}
		if err := authorize(p, PermReadBalance, org); err != nil {
			return nil, err
		}
	}
	acct, err := ParseUUID("billing account id", id)
	if err != nil {
		return nil, err
	}
	al, err := tx.AccountBalance(ctx, acct)
	if orgID == "" { // the account names its organization
		if err != nil {
			return nil, err
		}
		org, orgID = al.OrgID, al.OrgID
		if err := authorize(p, PermReadBalance, org); err != nil {
			return nil, err
		}
	}
	if err == nil && al.OrgID == org && al.State != AccountClosed && al.OrgState != OrgClosed {
		return &al.Ledger, nil
	}
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	o, err := openOrganization(ctx, tx, p, PermReadBalance, orgID, false)
	if err != nil {
		return nil, err
	}
	if _, err := accountOf(ctx, tx, o.ID, id); err != nil {
		return nil, err
	}
	return nil, Errorf(EINTERNAL, "billing account %s is visible but has no ledger account", acct)
}
