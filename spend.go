package billd

import (
	"context"
	"time"
)

// SpendRow is what an account spent on one kind of usage in a time range: the sum of its usage
// debits minus the reverts of them, grouped by the usages' source and description.
type SpendRow struct {
	Source      string
	Description string
	Amount      int64
}

// MaxSpendRows bounds the rows of a spend report; MaxSpendRange bounds its time range.
const (
	MaxSpendRows  = 1000
	MaxSpendRange = 366 * 24 * time.Hour
)

// SpendTx reads spend reports.
type SpendTx interface {
	// UsageSpend sums an account's usages created in [start, end) by source and description,
	// less the reverts created in that range of any usage of the same source and description,
	// in source and description order, at most limit rows.
	UsageSpend(ctx context.Context, accountID string, start, end time.Time, limit int) ([]SpendRow, error)
}

// SpendDetails reports what an account spent in [start, end), per usage source and description,
// at most MaxSpendRows rows. Needs get permission. EINVALID unless start is before end and the
// range is at most MaxSpendRange.
func (s *Service) SpendDetails(ctx context.Context, p Principal, billingID string, start, end time.Time) ([]SpendRow, error) {
	if start.IsZero() || end.IsZero() || !start.Before(end) {
		return nil, Errorf(EINVALID, "startTime and endTime are required, and startTime must be before endTime")
	}
	if end.Sub(start) > MaxSpendRange {
		return nil, Errorf(EINVALID, "the time range is longer than %d days", MaxSpendRange/(24*time.Hour))
	}
	var rows []SpendRow
	err := s.view(ctx, func(tx Tx) error {
		a, err := readableAccount(ctx, tx, p, PermRead, "", billingID)
		if err != nil {
			return err
		}
		rows, err = tx.UsageSpend(ctx, a.ID, start.UTC(), end.UTC(), MaxSpendRows)
		return err
	})
	return rows, err
}
