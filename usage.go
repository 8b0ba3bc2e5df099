package billd

import (
	"context"
	"math"
	"slices"
	"strings"
)

// Usage types. Only credit usage moves money; feature usage is not implemented yet.
const (
	UsageCredit  = "credit"
	UsageFeature = "feature"
)

// MaxUsagesPerRequest bounds one usage report.
const MaxUsagesPerRequest = 10000

// Usage is one metered consumption to debit. Its id (a UUID) is the idempotency key.
type Usage struct {
	ID          string
	CustomerID  string // optional; must name the account the report debits
	Source      string
	Description string
	Type        string
	Amount      int64
	UserID      string
	Metadata    Metadata
}

// UsageReport is one request to debit usages, all or nothing. It names the organization directly
// or through one of its projects; BillingID picks an account, else the active account is debited.
type UsageReport struct {
	OrgID     string
	ProjectID string
	BillingID string
	Usages    []Usage
}

// ReportUsage debits every usage of r from one account in one transaction: either all are applied
// or none is. Needs the platform meter (or admin) role. Errors: EINVALID for bad input or
// "insufficient credits" (then nothing is debited); ECONFLICT "credits already applied" if a usage
// id was applied before; ENOTFOUND for an unknown organization, project or account (or, when no
// account is named, an organization without an active account); EPRECONDITION if the named account
// or the organization is disabled.
func (s *Service) ReportUsage(ctx context.Context, p Principal, r UsageReport) error {
	if err := authorize(p, PermMeter, ""); err != nil {
		return err
	}
	r.Usages = slices.Clone(r.Usages) // validation normalizes them; the caller's slice stays as it was
	if err := validateUsages(r.Usages, s.limits); err != nil {
		return err
	}
	key := accountKey{orgID: r.OrgID, projectID: r.ProjectID, billingID: r.BillingID}
	account, cached := s.accounts.get(key, s.now())
	if !cached {
		var err error
		if account, err = s.usageAccount(ctx, p, r, key); err != nil {
			return err
		}
	}
	err := s.debitUsages(ctx, r.Usages, account)
	if !cached || ErrorCode(err) != EPRECONDITION {
		return err
	}
	// The remembered account may be stale (disabled or closed on another node, another one active
	// now): resolve afresh, and if that names another account, debit it instead. The refused
	// posting applied nothing (a posting is all or nothing), so this is no second debit.
	s.accounts.forget(key)
	fresh, ferr := s.usageAccount(ctx, p, r, key)
	if ferr != nil {
		return ferr // as an uncached report would answer: no active account now, say
	}
	if fresh.ID == account.ID {
		return err
	}
	return s.debitUsages(ctx, r.Usages, fresh)
}

// debitUsages posts the usages as debits of account, in one transaction.
func (s *Service) debitUsages(ctx context.Context, usages []Usage, account *BillingAccount) error {
	platform := PlatformAccountID(account.LedgerCurrency)
	posting := &Posting{Transfers: make([]Transfer, len(usages))}
	for i, u := range usages {
		if u.CustomerID != "" && u.CustomerID != account.ID {
			return Errorf(EINVALID, "usage %s: customer %s is not the billing account %s", u.ID, u.CustomerID, account.ID)
		}
		posting.Transfers[i] = Transfer{ID: u.ID, DebitAccountID: account.ID, CreditAccountID: platform,
			Amount: u.Amount, Kind: KindUsage, Source: u.Source, Description: u.Description,
			UserID: u.UserID, Metadata: u.Metadata}
	}
	return s.post(ctx, posting)
}

// usageAccount resolves the account a usage report debits and remembers it: only platform
// principals report usage, so the answer does not depend on who asks, and the debiting
// transaction re-checks everything that guards the debit.
func (s *Service) usageAccount(ctx context.Context, p Principal, r UsageReport, key accountKey) (*BillingAccount, error) {
	var a *BillingAccount
	err := s.view(ctx, func(tx Tx) (err error) {
		a, err = s.targetAccount(ctx, tx, p, PermMeter, r.OrgID, r.ProjectID, r.BillingID)
		return err
	})
	if err == nil {
		s.accounts.put(key, a, s.now())
	}
	return a, err
}

// validateUsages checks and normalizes the usages of one report.
func validateUsages(usages []Usage, l Limits) error {
	if len(usages) == 0 {
		return Errorf(EINVALID, "usages must not be empty")
	}
	if len(usages) > MaxUsagesPerRequest {
		return Errorf(EINVALID, "a request holds at most %d usages", MaxUsagesPerRequest)
	}
	seen := make(map[string]bool, len(usages))
	var total int64
	for i := range usages {
		u := &usages[i]
		id, err := ParseUUID("usage id", u.ID)
		if err != nil {
			return err
		}
		u.ID = id
		if seen[id] {
			return Errorf(EINVALID, "usage id %s appears twice in the request", id)
		}
		seen[id] = true
		switch u.Type {
		case "", UsageCredit:
			u.Type = UsageCredit
		case UsageFeature:
			return Errorf(EINVALID, "usage %s: type %q is not supported yet; only %q usage can be reported", id, UsageFeature, UsageCredit)
		default:
			return Errorf(EINVALID, "usage %s: type must be %q or %q", id, UsageCredit, UsageFeature)
		}
		if u.Amount <= 0 {
			return Errorf(EINVALID, "usage %s: amount must be greater than 0", id)
		}
		if u.CustomerID != "" {
			if u.CustomerID, err = ParseUUID("customer id", u.CustomerID); err != nil {
				return Errorf(EINVALID, "usage %s: %s", id, ErrorMessage(err))
			}
		}
		if total > math.MaxInt64-u.Amount {
			return Errorf(EINVALID, "the usages of one request must not sum to more than %d", int64(math.MaxInt64))
		}
		total += u.Amount
		if err := normalizeEntry(&u.Source, &u.Description, &u.UserID, &u.Metadata, l); err != nil {
			return Errorf(EINVALID, "usage %s: %s", id, ErrorMessage(err))
		}
	}
	return nil
}

// normalizeEntry checks the descriptive fields of a journal entry and fills their defaults.
func normalizeEntry(source, description, userID *string, metadata *Metadata, l Limits) error {
	*source = strings.ToLower(strings.TrimSpace(*source))
	if *source == "" {
		*source = "system"
	}
	switch {
	case len(*source) > 256:
		return Errorf(EINVALID, "source must be at most 256 bytes")
	case len(*description) > 4096:
		return Errorf(EINVALID, "description must be at most 4096 bytes")
	case len(*userID) > 256:
		return Errorf(EINVALID, "user id must be at most 256 bytes")
	}
	if err := checkTexts("source", *source, "description", *description, "user id", *userID); err != nil {
		return err
	}
	if *metadata == nil {
		*metadata = Metadata{}
	}
	return l.checkMetadata(*metadata)
}

// targetAccount resolves the account a ledger request names: the organization comes from orgID or
// from projectID (both given: they must agree), the account from billingID or, when it is empty,
// the organization's active account.
func (s *Service) targetAccount(ctx context.Context, tx Tx, p Principal, perm Permission, orgID, projectID, billingID string) (*BillingAccount, error) {
	orgID, err := requestOrganization(ctx, tx, orgID, projectID)
	if err != nil {
		return nil, err
	}
	o, err := openOrganization(ctx, tx, p, perm, orgID, false)
	if err != nil {
		return nil, err
	}
	return accountOrActive(ctx, tx, o.ID, billingID)
}

// accountOrActive returns the open account id of the organization orgID or, when id is empty, the
// organization's active account.
func accountOrActive(ctx context.Context, tx Tx, orgID, id string) (*BillingAccount, error) {
	if id != "" {
		return accountOf(ctx, tx, orgID, id)
	}
	a, err := tx.ActiveBillingAccount(ctx, orgID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, noActiveAccount(ctx, tx, orgID)
	}
	return a, err
}

// noActiveAccount is the answer to a request for an organization's active account when it has
// none: a suspended account says why it takes no usage.
func noActiveAccount(ctx context.Context, tx Tx, orgID string) error {
	accounts, err := tx.BillingAccounts(ctx, BillingAccountQuery{OrgID: orgID, Limit: 10})
	if err != nil {
		return err
	}
	for _, a := range accounts {
		if a.State == AccountDisabled && a.SuspendedFor != "" {
			return suspended(a.SuspendedFor)
		}
	}
	return Errorf(ENOTFOUND, "organization has no active billing account")
}

// requestOrganization returns the organization id a request names through org_id, project_id or
// both.
func requestOrganization(ctx context.Context, tx Tx, orgID, projectID string) (string, error) {
	if projectID == "" {
		if orgID == "" {
			return "", Errorf(EINVALID, "an organization or a project is required")
		}
		return orgID, nil
	}
	projectOrg, err := projectOrganization(ctx, tx, projectID)
	if err != nil {
		return "", err
	}
	if orgID != "" && !strings.EqualFold(orgID, projectOrg) {
		return "", Errorf(EINVALID, "the project does not belong to the organization")
	}
	return projectOrg, nil
}
