package billd

import (
	"context"
	"sync"
	"time"
)

// usage.rejected is written after the batch that refused the usage, in a transaction of its own,
// so that refusals never slow or fail the money-moving transaction: at most one notice per
// account, reason and UTC hour (its id is derived from the three, and a small memory of the hour
// skips the write of one already stored). A receiver learns that an account is being refused and
// why; the count of refusals is not reported.

// Reasons of usage.rejected.
const (
	RejectedCredit     = "credit"     // insufficient credits
	RejectedLimit      = "limit"      // an hourly or monthly spend limit
	RejectedSuspension = "suspension" // the account is suspended
)

// rejectedReasons maps the refusal reasons (observer.go) that usage.rejected reports to its
// reasons; other refusals (replays, reverts, closed accounts) send no notice.
var rejectedReasons = map[string]string{
	RefusalCredit:    RejectedCredit,
	RefusalLimit:     RejectedLimit,
	RefusalSuspended: RejectedSuspension,
}

// rejectionReason returns the usage.rejected reason of a posting's refusal, or "".
func rejectionReason(err error) string {
	if err == nil {
		return ""
	}
	return rejectedReasons[refusalReason(err)]
}

// rejections remembers the usage.rejected notices stored this hour.
type rejections struct {
	mu   sync.Mutex
	hour time.Time
	seen map[string]bool
}

// maxRejectionMemory bounds the notices rejections remembers; past it, it starts over.
const maxRejectionMemory = 10000

// stored reports whether r knows the notice of key (account and reason) in the hour to be
// stored.
func (r *rejections) stored(hour time.Time, key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return hour.Equal(r.hour) && r.seen[key]
}

// remember records that the notices of keys in the hour are stored. It is called only after
// their transaction committed, so that a failed write is tried again by the next refusal.
func (r *rejections) remember(hour time.Time, keys map[string]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !hour.Equal(r.hour) || len(r.seen)+len(keys) > maxRejectionMemory {
		r.hour, r.seen = hour, make(map[string]bool)
	}
	for k := range keys {
		r.seen[k] = true
	}
}

// noteRejections writes the usage.rejected notices of the usages a committed batch refused.
// Failures are logged: the postings' answers do not depend on them.
func (s *Service) noteRejections(ctx context.Context, postings []*Posting, results []error) {
	at := s.clock()
	hour := at.Truncate(time.Hour)
	type rejected struct{ account, reason, message string }
	var todo []rejected
	var keys map[string]bool // of todo; made at the first refusal (most batches have none)
	for i, p := range postings {
		reason := rejectionReason(results[i])
		if reason == "" {
			continue
		}
		for _, t := range p.Transfers {
			if t.Kind != KindUsage {
				continue
			}
			key := t.DebitAccountID + ":" + reason
			if !s.rejected.stored(hour, key) && !keys[key] {
				if keys == nil {
					keys = make(map[string]bool)
				}
				keys[key] = true
				todo = append(todo, rejected{t.DebitAccountID, reason, ErrorMessage(results[i])})
			}
			break
		}
	}
	if len(todo) == 0 {
		return
	}
	err := s.update(ctx, func(tx Tx) error {
		notices := make([]Notice, 0, len(todo))
		for _, r := range todo {
			a, err := tx.BillingAccount(ctx, r.account)
			if err != nil {
				return err
			}
			cause := r.account + ":" + r.reason + ":" + hour.Format(time.RFC3339)
			notices = append(notices, newNotice(NoticeUsageRejected, cause, a.OrgID, a.ID, map[string]any{
				"account_id": a.ID, "reason": r.reason, "message": r.message, "hour": hour}, at))
		}
		return tx.AppendNotices(ctx, notices)
	})
	if err != nil {
		s.log.Warn("webhooks: could not write usage.rejected notices", "err", err)
		return
	}
	s.rejected.remember(hour, keys)
}
