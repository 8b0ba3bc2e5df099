package billd

import "context"

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
