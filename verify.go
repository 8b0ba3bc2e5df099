package billd

import (
	"context"
	"fmt"
)

// AccountTotals are the stored totals of a ledger account next to the sums of its transfers.
type AccountTotals struct {
	AccountID      string
	StoredDebits   int64
	StoredCredits  int64
	JournalDebits  int64
	JournalCredits int64
}

// LedgerProblem is one inconsistency `billd verify` found.
type LedgerProblem struct {
	AccountID  string
	TransferID string
	Detail     string
}

// LedgerReport is the result of re-summing the journal.
type LedgerReport struct {
	Accounts  int   // customer ledger accounts checked
	Transfers int64 // transfers in the journal
	Problems  []LedgerProblem
}

// VerifyLedger re-sums the whole journal in one snapshot and reports every customer account whose
// stored totals differ from the sums of its transfers, and every usage whose reverts exceed it or
// credit another account. Platform admins only.
func (s *Service) VerifyLedger(ctx context.Context, p Principal) (LedgerReport, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return LedgerReport{}, err
	}
	var r LedgerReport
	err := s.view(ctx, func(tx Tx) error {
		totals, n, err := tx.LedgerTotals(ctx)
		if err != nil {
			return err
		}
		r.Accounts, r.Transfers = len(totals), n
		for _, t := range totals {
			if t.StoredDebits != t.JournalDebits || t.StoredCredits != t.JournalCredits {
				r.Problems = append(r.Problems, LedgerProblem{AccountID: t.AccountID, Detail: fmt.Sprintf(
					"stored debits %d credits %d, journal debits %d credits %d",
					t.StoredDebits, t.StoredCredits, t.JournalDebits, t.JournalCredits)})
			}
		}
		overruns, err := tx.RevertOverruns(ctx)
		r.Problems = append(r.Problems, overruns...)
		return err
	})
	return r, err
}
