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
