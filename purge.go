package billd

import (
	"context"
	"time"
)

// Purge. A deleted (closed) billing account keeps its personal data for a retention period
// (Config.PurgeAfter, 30 days by default) after DeletedAt; then the "billd.purge" job erases it:
// the name, email, phone, postal address, tax ids and metadata, and the grants of people (with
// their emails) on the account. The account row, its ledger account
// and its journal stay, with every amount, so the books still balance (`billd verify`).

// DefaultPurgeAfter is how long a deleted account's personal data is kept by default.
const DefaultPurgeAfter = 30 * 24 * time.Hour

// purgeRound erases the personal data of the closed accounts whose purge time has come, at most
// batch of them, and deletes at most batch expired console sessions (session.go).
func (s *Service) purgeRound(ctx context.Context, batch int) error {
	now := s.clock()
	var due []*BillingAccount
	err := s.view(ctx, func(tx Tx) (err error) { due, err = tx.AccountsToPurge(ctx, now, batch); return err })
	for _, a := range due {
		if err := s.purgeAccount(ctx, a.ID, now); err != nil {
			s.log.Warn("purge: could not erase an account's personal data", "account", a.ID, "err", err)
		}
	}
	if err != nil {
		return err
	}
	return s.pruneSessions(ctx, batch)
}

// purgeAccount erases one closed account's personal data under its write lock.
func (s *Service) purgeAccount(ctx context.Context, id string, now time.Time) error {
	return s.update(ctx, func(tx Tx) error {
		if _, err := tx.LockLedgerAccounts(ctx, []string{id}); err != nil {
			return err
		}
		a, err := tx.BillingAccount(ctx, id)
		if err != nil || a.State != AccountClosed || a.PurgedAt != nil || a.PurgeAt == nil || a.PurgeAt.After(now) {
			return err
		}
		users, err := tx.AccountUsers(ctx, id) // the people granted roles on it: their emails go too
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := tx.DeleteAccountUser(ctx, u); err != nil {
				return err
			}
		}
		a.Name, a.Email, a.Phone, a.Address, a.TaxData, a.Metadata = "", "", "", Address{}, []TaxID{}, Metadata{}
		a.PurgedAt, a.UpdatedAt = &now, now
		return tx.UpdateBillingAccount(ctx, a)
	})
}
