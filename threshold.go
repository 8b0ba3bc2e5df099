package billd

import (
	"context"
	"strconv"
)

// Billing threshold. An invoiced account (credit_min < 0) with a BillingThreshold is billed as soon
// as its usage since the last threshold invoice reaches the threshold, not only on the invoice day:
// the committer counts the crossing (watch.go) and wakes the invoices worker, which cuts an
// overdraft invoice of what the account owes then. The invoice's id is derived from the account and
// the crossing's number, so each crossing makes one invoice whoever cuts it (the woken worker, or
// the "billd.invoices" job's sweep).

// thresholdRound cuts the invoices of the threshold crossings not billed yet, reading the postpaid
// accounts batch at a time.
func (s *Service) thresholdRound(ctx context.Context, batch int) error {
	if s.invoicing.Product == "" {
		return nil
	}
	for after := ""; ; {
		var accounts []*BillingAccount
		var crossings []int64
		err := s.view(ctx, func(tx Tx) (err error) {
			if accounts, err = tx.PostpaidAccounts(ctx, after, batch); err != nil {
				return err
			}
			crossings, err = thresholdCrossings(ctx, tx, accounts)
			return err
		})
		if err != nil {
			return err
		}
		for i, a := range accounts {
			if crossings[i] == 0 {
				continue
			}
			if _, err := s.billThreshold(ctx, a, crossings[i]); err != nil {
				s.log.Warn("invoices: could not bill a billing threshold", "account", a.ID, "err", err)
			}
		}
		if len(accounts) < batch {
			return nil
		}
		after = accounts[len(accounts)-1].ID
	}
}

// thresholdCrossings returns, for each account, the number of its latest threshold crossing; 0
// for an account without a threshold or crossing.
func thresholdCrossings(ctx context.Context, tx Tx, accounts []*BillingAccount) ([]int64, error) {
	out := make([]int64, len(accounts))
	for i, a := range accounts {
		if a.BillingThreshold <= 0 {
			continue
		}
		l, err := tx.LedgerAccount(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		out[i] = l.Watch.ThresholdCrossings
	}
	return out, nil
}

// billThreshold cuts the invoice of an account's n-th threshold crossing, once.
func (s *Service) billThreshold(ctx context.Context, a *BillingAccount, n int64) (bool, error) {
	id := DeriveUUID("overdraft-threshold:" + a.ID + ":" + strconv.FormatInt(n, 10))
	return s.billOverdraftAs(ctx, a, id, Metadata{"billing_threshold": strconv.FormatInt(a.BillingThreshold, 10),
		"threshold_crossing": strconv.FormatInt(n, 10)})
}
