package billd_test

import (
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// recorder is an Observer that counts what it is told.
type recorder struct {
	mu                    sync.Mutex
	counts                map[string]int // "transfers:usage", "refused:credit", "job:billd.purge:ok", ...
	batches, batchPosting int
}

func newRecorder() *recorder { return &recorder{counts: map[string]int{}} }

func (r *recorder) add(key string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts[key] += n
}

func (r *recorder) Transfers(kind billd.TransferKind, n int) { r.add("transfers:"+string(kind), n) }
func (r *recorder) Refused(reason string)                    { r.add("refused:"+reason, 1) }
func (r *recorder) Shed(where string)                        { r.add("shed:"+where, 1) }
func (r *recorder) WebhookDelivery(outcome string)           { r.add("webhook:"+outcome, 1) }
func (r *recorder) Job(name string, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	r.add("job:"+name+":"+result, 1)
}
func (r *recorder) Batch(postings, transfers int, wait time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches++
	r.batchPosting += postings
}

// snapshot returns the counts so far.
func (r *recorder) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.counts)
}

// TestObserverLedger: the observer is told of each committed transfer by kind and each refused
// posting by reason, in every commit mode, and of the group-commit batches when there are some.
func TestObserverLedger(t *testing.T) {
	eachMode(t, func(t *testing.T, s sqltest.Store, commit billd.CommitConfig) {
		rec := newRecorder()
		f := newFixtureConfig(t, s, billd.Config{Commit: commit, Observer: rec})
		o := f.newOrg(t)
		f.grant(t, o, 100)
		used := f.use(t, o, 60)
		wantCode(t, f.report(t, o, usage(50)), billd.EINVALID, "insufficient credits")
		wantCode(t, f.revert(t, o, used, 70), billd.EINVALID)
		must(t, f.revert(t, o, used, 10))
		wantCode(t, f.report(t, o, billd.Usage{ID: used, Amount: 60}), billd.ECONFLICT)
		got := rec.snapshot()
		want := map[string]int{"transfers:grant": 1, "transfers:usage": 1, "transfers:revert": 1,
			"refused:credit": 1, "refused:revert": 1, "refused:replay": 1}
		if !maps.Equal(got, want) {
			t.Errorf("observed %v, want %v", got, want)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if commit.Disabled != (rec.batches == 0) || (!commit.Disabled && rec.batchPosting < 6) {
			t.Errorf("observed %d batches of %d postings (group commit off: %v)", rec.batches, rec.batchPosting, commit.Disabled)
		}
	})
}

// TestObserverJobsAndWebhooks: each job round is observed by name, and each recorded webhook
// attempt by its outcome.
func TestObserverJobsAndWebhooks(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		rec := newRecorder()
		f := newFixtureConfig(t, s, billd.Config{Webhooks: billd.WebhookConfig{AllowPrivate: true}, Observer: rec})
		if n := f.svc.RunJobsOnce(t.Context(), 10); n == 0 {
			t.Fatal("no job ran")
		}
		o := f.newOrg(t)
		r := newReceiver(t, 500)
		f.hook(t, o.ID, r.srv.URL)
		f.notify(t, o, billd.NoticeCheckoutCompleted, "observed")
		f.sendWebhooks(t) // 500: retried
		f.advance(time.Minute)
		f.sendWebhooks(t) // 200
		got := rec.snapshot()
		for _, key := range []string{"job:billd.checkouts:ok", "job:billd.purge:ok", "webhook:retry", "webhook:delivered"} {
			if got[key] != 1 {
				t.Errorf("observed %s %d times, want once; all: %v", key, got[key], got)
			}
		}
	})
}
