package billd_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// faultyStore is a real store whose next write transactions fail after doing all their work, as a
// transaction that loses a race with another node or its connection would: everything it did is
// rolled back.
type faultyStore struct {
	billd.Store
	failures atomic.Int64 // write transactions still to fail
	failed   atomic.Int64
}

var errInjected = errors.New("injected transaction failure")

func (s *faultyStore) Update(ctx context.Context, fn func(billd.Tx) error) error {
	return s.Store.Update(ctx, func(tx billd.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if s.failures.Add(-1) >= 0 {
			s.failed.Add(1)
			return errInjected
		}
		return nil
	})
}

// A batch whose transaction fails is retried posting by posting, so that every request still gets
// its own right answer and nothing is applied twice or lost.
func TestGroupCommitRetriesAFailedBatchOneByOne(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		store := &faultyStore{Store: s.DB}
		f := &fixture{db: s.DB, store: s.Name}
		f.svc = billd.NewService(billd.Config{Store: store, Now: f.now, Commit: billd.CommitConfig{}})
		t.Cleanup(func() { f.svc.Close() })
		o := f.newOrg(t)
		f.grant(t, o, 250)
		applied := billd.NewUUID()
		if err := f.svc.ReportUsage(t.Context(), meter, billd.UsageReport{OrgID: o.ID,
			Usages: []billd.Usage{{ID: applied, Amount: 10}}}); err != nil {
			t.Fatal(err)
		}

		store.failures.Store(1)
		const workers = 32 // 24 debits of 10 fit in the 240 left; 4 replay an applied id
		errs := race(workers, func(i int) error {
			id := billd.NewUUID()
			if i < 4 {
				id = applied
			}
			return f.svc.ReportUsage(t.Context(), meter, billd.UsageReport{OrgID: o.ID,
				Usages: []billd.Usage{{ID: id, Amount: 10}}})
		})
		if store.failed.Load() != 1 {
			t.Fatalf("injected failures = %d, want 1", store.failed.Load())
		}
		got := outcomes(errs)
		want := map[string]int{"ok": 24, billd.ECONFLICT + ": credits already applied": 4,
			billd.EINVALID + ": insufficient credits": 4}
		if !maps.Equal(got, want) {
			t.Fatalf("outcomes = %v, want %v", got, want)
		}
		f.wantBalance(t, o, 0)
		f.wantClean(t, 2+24)
	})
}

// Closing the service commits what is queued; afterwards money-moving calls are refused.
func TestCloseDrainsTheCommitter(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		o := f.newOrg(t)
		f.grant(t, o, 100)
		errs := race(16, func(int) error {
			return f.svc.ReportUsage(t.Context(), meter, billd.UsageReport{OrgID: o.ID,
				Usages: []billd.Usage{{ID: billd.NewUUID(), Amount: 1}}})
		})
		if err := f.svc.Close(); err != nil {
			t.Fatal(err)
		}
		if got := outcomes(errs); got["ok"] != 16 {
			t.Fatalf("outcomes before close = %v", got)
		}
		err := f.svc.ReportUsage(t.Context(), meter, billd.UsageReport{OrgID: o.ID,
			Usages: []billd.Usage{{ID: billd.NewUUID(), Amount: 1}}})
		wantCode(t, err, billd.EUNAVAILABLE)
		f.wantBalance(t, o, 84)
	})
}

// A replayed usage answers "credits already applied" even when the account could no longer pay
// for it: idempotency comes before every other rule, in every commit mode.
func TestReplayComesBeforeTheBalanceRule(t *testing.T) {
	eachMode(t, func(t *testing.T, s sqltest.Store, commit billd.CommitConfig) {
		f := newFixtureWith(t, s, commit)
		o := f.newOrg(t)
		f.grant(t, o, 10)
		id := billd.NewUUID()
		report := func(amount int64) error {
			return f.svc.ReportUsage(t.Context(), meter, billd.UsageReport{OrgID: o.ID,
				Usages: []billd.Usage{{ID: id, Amount: amount}}})
		}
		must(t, report(10))
		wantCode(t, report(10), billd.ECONFLICT, "credits already applied")
		err := report(11)
		wantCode(t, err, billd.ECONFLICT)
		if !strings.Contains(billd.ErrorMessage(err), "already used by a different request") {
			t.Errorf("same id, other amount: %v", err)
		}
		f.wantBalance(t, o, 0)
	})
}
