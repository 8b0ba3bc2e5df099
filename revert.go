package billd

import "context"

// RevertRequest gives back part or all of a usage. The organization comes from OrgID or ProjectID;
// BillingID, if set, must be the account the usage debited. IdempotencyKey, if set, makes a retry
// of the same revert a no-op (ECONFLICT "revert already applied") instead of a second revert.
type RevertRequest struct {
	OrgID          string
	ProjectID      string
	BillingID      string
	UsageID        string
	Amount         int64
	IdempotencyKey string
}

// RevertUsage credits Amount of a usage back to the account it debited. Needs the platform meter
// (or admin) role. The reverts of one usage never sum to more than the usage: the check runs under
// the account's write lock, which every revert of that usage takes. Errors: EINVALID for bad input,
// for a revert beyond what is left of the usage, or for a transfer that is not a usage; ECONFLICT
// for a revert of a revert or a replayed idempotency key; ENOTFOUND for an unknown organization or
// usage. A disabled organization's usage can be reverted: a revert gives back what was charged, and
// suspending a customer must not keep a wrong charge on its books.
func (s *Service) RevertUsage(ctx context.Context, p Principal, r RevertRequest) error {
	if err := authorize(p, PermMeter, ""); err != nil {
		return err
	}
	usageID, err := ParseUUID("usage id", r.UsageID)
	if err != nil {
		return err
	}
	if r.Amount <= 0 {
		return Errorf(EINVALID, "amount must be greater than 0")
	}
	if len(r.IdempotencyKey) > 255 {
		return Errorf(EINVALID, "the idempotency key must be at most 255 bytes")
	}
	var usage *Transfer
	err = s.view(ctx, func(tx Tx) (err error) {
		usage, err = s.revertableUsage(ctx, tx, p, r, usageID)
		return err
	})
	if err != nil {
		return err
	}
	id := s.newID()
	if r.IdempotencyKey != "" {
		id = DeriveUUID("revert:" + usage.ID + ":" + r.IdempotencyKey)
	}
	revert := Transfer{ID: id, DebitAccountID: usage.CreditAccountID, CreditAccountID: usage.DebitAccountID,
		Amount: r.Amount, Kind: KindRevert, Source: "system.revert." + usage.Source,
		Description: "Revert: " + usage.Description, UserID: usage.UserID,
		Metadata: usage.Metadata.with("revert_request_using", usage.ID), RefID: usage.ID}
	return s.post(ctx, &Posting{Transfers: []Transfer{revert}})
}

// revertableUsage finds the usage a revert names inside the request's organization (and account,
// if named) and checks that it is a usage.
func (s *Service) revertableUsage(ctx context.Context, tx Tx, p Principal, r RevertRequest, usageID string) (*Transfer, error) {
	orgID, err := requestOrganization(ctx, tx, r.OrgID, r.ProjectID)
	if err != nil {
		return nil, err
	}
	o, err := openOrganization(ctx, tx, p, PermMeter, orgID, false)
	if err != nil {
		return nil, err
	}
	found, err := tx.Transfers(ctx, []string{usageID})
	if err != nil {
		return nil, err
	}
	notFound := Errorf(ENOTFOUND, "usage %s not found", usageID)
	if len(found) == 0 {
		return nil, notFound
	}
	t := &found[0]
	customer := t.CreditAccountID // grants and reverts credit the customer
	if t.Kind == KindUsage {
		customer = t.DebitAccountID
	}
	a, err := tx.BillingAccount(ctx, customer)
	if ErrorCode(err) == ENOTFOUND || err == nil && a.OrgID != o.ID {
		return nil, notFound // a transfer of another organization is simply not found
	}
	if err != nil {
		return nil, err
	}
	if r.BillingID != "" {
		billingID, err := ParseUUID("billing account id", r.BillingID)
		if err != nil {
			return nil, err
		}
		if billingID != a.ID {
			return nil, notFound
		}
	}
	switch t.Kind {
	case KindUsage:
		return t, nil
	case KindRevert:
		return nil, Errorf(ECONFLICT, "a revert cannot be reverted")
	default:
		return nil, Errorf(EINVALID, "only usage can be reverted; %s is a %s", t.ID, t.Kind)
	}
}

// GrantRequest grants credits to an account. The grant's id is ID (a UUID) or, when ID is empty, is
// derived from the account and IdempotencyKey; one of them is required so that a retry cannot
// grant twice.
type GrantRequest struct {
	OrgID          string
	BillingID      string
	ID             string
	IdempotencyKey string
	Amount         int64
	Source         string
	Description    string
	Metadata       Metadata
}

// GrantCredits credits an account with Amount and returns the journal entry. Platform admins only.
// Errors: EINVALID for bad input; ECONFLICT "credits already applied" when the id was used;
// ENOTFOUND for an unknown organization or an unknown or closed account (EPRECONDITION if the
// account is closed while the grant is in flight). A disabled organization (or account) can be
// granted credits: a payment or a settlement of its dues must land while it is suspended, and often
// is what lifts the suspension.
func (s *Service) GrantCredits(ctx context.Context, p Principal, r GrantRequest) (*Transaction, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return nil, err
	}
	if r.Amount <= 0 {
		return nil, Errorf(EINVALID, "amount must be greater than 0")
	}
	if r.Source == "" {
		r.Source = "system.awarded"
	}
	if err := normalizeEntry(&r.Source, &r.Description, new(string), &r.Metadata, s.limits); err != nil {
		return nil, err
	}
	var account *BillingAccount
	err := s.view(ctx, func(tx Tx) error {
		o, err := openOrganization(ctx, tx, p, PermSuper, r.OrgID, false)
		if err != nil {
			return err
		}
		account, err = accountOf(ctx, tx, o.ID, r.BillingID)
		return err
	})
	if err != nil {
		return nil, err
	}
	id, err := grantID(account.ID, r.ID, r.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	grant := Transfer{ID: id, DebitAccountID: PlatformAccountID(account.LedgerCurrency), CreditAccountID: account.ID,
		Amount: r.Amount, Kind: KindGrant, Source: r.Source, Description: r.Description, Metadata: r.Metadata}
	posting := &Posting{Transfers: []Transfer{grant}}
	if err := s.post(ctx, posting); err != nil {
		return nil, err
	}
	return &Transaction{Transfer: posting.Transfers[0], AccountID: account.ID}, nil
}

// grantID returns the idempotency key of a grant.
func grantID(accountID, id, key string) (string, error) {
	switch {
	case id != "":
		return ParseUUID("grant id", id)
	case key == "":
		return "", Errorf(EINVALID, "a grant needs an id or an idempotency key, so that a retry cannot grant twice")
	case len(key) > 255:
		return "", Errorf(EINVALID, "the idempotency key must be at most 255 bytes")
	}
	return DeriveUUID("grant:" + accountID + ":" + key), nil
}
