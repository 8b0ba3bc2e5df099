package billd

import (
	"context"
	"strings"
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

// rejectionReasons maps the start of a refusal's message (ledger.go's rules) to its reason.
var rejectionReasons = []struct{ prefix, reason string }{
	{"insufficient credits", RejectedCredit},
	{"hourly spend limit", RejectedLimit},
	{"monthly spend limit", RejectedLimit},
	{"billing account is suspended", RejectedSuspension},
}

// rejectionReason returns the usage.rejected reason of a posting's refusal, or "".
func rejectionReason(err error) string {
	if err == nil {
		return ""
	}
	msg := ErrorMessage(err)
	for _, r := range rejectionReasons {
		if strings.HasPrefix(msg, r.prefix) {
			return r.reason
		}
	}
	return ""
}

// rejections remembers the usage.rejected notices stored this hour.
type rejections struct {
	mu   sync.Mutex
	hour time.Time
	seen map[string]bool
}

// maxRejectionMemory bounds the notices rejections remembers; past it, it starts over.
const maxRejectionMemory = 10000

// fresh reports whether the notice of key (account and reason) in the hour was not stored yet as
// far as r knows, and remembers it.
func (r *rejections) fresh(hour time.Time, key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !hour.Equal(r.hour) || len(r.seen) >= maxRejectionMemory {
		r.hour, r.seen = hour, make(map[string]bool)
	}
	if r.seen[key] {
		return false
	}
	r.seen[key] = true
	return true
}

// noteRejections writes the usage.rejected notices of the usages a committed batch refused.
// Failures are logged: the postings' answers do not depend on them.
func (s *Service) noteRejections(ctx context.Context, postings []*Posting, results []error) {
	at := s.clock()
	hour := at.Truncate(time.Hour)
	type rejected struct{ account, reason, message string }
	var todo []rejected
	for i, p := range postings {
		reason := rejectionReason(results[i])
		if reason == "" {
			continue
		}
		for _, t := range p.Transfers {
			if t.Kind != KindUsage {
				continue
			}
			if s.rejected.fresh(hour, t.DebitAccountID+":"+reason) {
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
	}
}
