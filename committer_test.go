package billd_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// tapStore is a real store that records what each write transaction appended, can hold the next
// write transaction before it starts, and can fail the next ones after they did all their work, as a
// transaction that loses a race with another node or its connection would: everything it did is
// rolled back.
type tapStore struct {
	billd.Store
	failures atomic.Int64 // write transactions still to fail

	mu   sync.Mutex
	txs  []tapTx  // every write transaction whose function returned nil, in order
	hold *tapHold // holds the next write transaction
}

// tapTx is what one write transaction appended, whether it was failed on purpose, and whether it
// committed (on PostgreSQL a replayed id fails the commit, not the append).
type tapTx struct {
	appended  int // transfers
	failed    bool
	committed bool
}

// tapHold holds a write transaction: entered is closed when it waits, release lets it go on.
type tapHold struct {
	entered, release chan struct{}
}

var errInjected = errors.New("injected transaction failure")

// holdNext makes the next write transaction wait before it starts, until the returned release is
// called; the transaction is waiting once entered is closed.
func (s *tapStore) holdNext() (entered <-chan struct{}, release func()) {
	h := &tapHold{entered: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.hold = h
	s.mu.Unlock()
	return h.entered, sync.OnceFunc(func() { close(h.release) })
}

func (s *tapStore) Update(ctx context.Context, fn func(billd.Tx) error) error {
	s.mu.Lock()
	h := s.hold
	s.hold = nil
	s.mu.Unlock()
	if h != nil {
		close(h.entered)
		<-h.release
	}
	var done *tapTx
	err := s.Store.Update(ctx, func(tx billd.Tx) error {
		counted := &appendCounter{Tx: tx}
		if err := fn(counted); err != nil {
			return err
		}
		done = &tapTx{appended: counted.appended, failed: s.failures.Add(-1) >= 0}
		if done.failed {
			return errInjected
		}
		return nil
	})
	if done != nil {
		done.committed = err == nil
		s.mu.Lock()
		s.txs = append(s.txs, *done)
		s.mu.Unlock()
	}
	return err
}

// transactions returns what the write transactions did so far.
func (s *tapStore) transactions() []tapTx {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.txs)
}

// appendCounter counts the transfers a transaction appends to the journal.
type appendCounter struct {
	billd.Tx
	appended int
}

func (c *appendCounter) AppendTransfers(ctx context.Context, transfers []billd.Transfer, accounts []billd.LedgerAccount) error {
	err := c.Tx.AppendTransfers(ctx, transfers, accounts)
	if err == nil {
		c.appended += len(transfers)
	}
	return err
}

// newTapFixture returns a fixture whose service (group commit on) runs over a tapStore on s.
func newTapFixture(t *testing.T, s sqltest.Store) (*fixture, *tapStore) {
	t.Helper()
	store := &tapStore{Store: s.DB}
	return newFixtureOver(t, s, store, billd.CommitConfig{}), store
}

// reportAsync starts a usage report of amount against o under the id; its answer arrives on answers.
func (f *fixture) reportAsync(o org, id string, amount int64, answers chan<- error) {
	go func() {
		answers <- f.svc.ReportUsage(context.Background(), meter, billd.UsageReport{OrgID: o.ID,
			Usages: []billd.Usage{{ID: id, Amount: amount}}})
	}()
}

// holdCommitter reports one usage of amount against o and holds its transaction, so that the
// committer waits; it returns once the transaction waits. The usage's answer arrives on the
// returned channel once released.
func holdCommitter(t *testing.T, f *fixture, store *tapStore, o org, amount int64) (answer <-chan error, release func()) {
	t.Helper()
	entered, release := store.holdNext()
	t.Cleanup(release)
	ch := make(chan error, 1)
	f.reportAsync(o, billd.NewUUID(), amount, ch)
	<-entered
	return ch, release
}

// waitQueued waits until n postings wait in the committer's queue.
func waitQueued(t *testing.T, f *fixture, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d queued postings", n), func() bool { return billd.QueuedPostings(f.svc) == n })
}

// waitFor waits until cond holds, failing t if it does not within a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// collect receives n answers.
func collect(answers <-chan error, n int) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = <-answers
	}
	return errs
}

// A batch whose transaction fails is retried posting by posting, so that every request still gets
// its own right answer and nothing is applied twice or lost. The batch is made deterministic: the
// committer is held in a transaction while 32 postings queue behind it, so that they form the next
// transaction, which is held too until it is set to fail.
func TestGroupCommitRetriesAFailedBatchOneByOne(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f, store := newTapFixture(t, s)
		o := f.newOrg(t)
		f.grant(t, o, 260)
		applied := f.use(t, o, 10)

		held, release := holdCommitter(t, f, store, o, 10) // 240 left
		const workers = 32                                 // 24 debits of 10 fit in the 240 left; 4 replay an applied id
		answers := make(chan error, workers)
		for i := range workers {
			id := billd.NewUUID()
			if i < 4 {
				id = applied
			}
			f.reportAsync(o, id, 10, answers)
		}
		waitQueued(t, f, workers)
		before := len(store.transactions())
		batch, releaseBatch := store.holdNext()
		t.Cleanup(releaseBatch)
		release()
		must(t, <-held)
		<-batch // the committer took the 32 into its next transaction
		store.failures.Store(1)
		releaseBatch()

		got := outcomes(collect(answers, workers))
		want := map[string]int{"ok": 24, billd.ECONFLICT + ": credits already applied": 4,
			billd.EINVALID + ": insufficient credits": 4}
		if !maps.Equal(got, want) {
			t.Fatalf("outcomes = %v, want %v", got, want)
		}
		// The held transaction; the batch of the 32 queued postings, which appended the 24 that
		// fit and failed; then the retries, one posting each.
		txs := store.transactions()[before:]
		if len(txs) < 2 || txs[0] != (tapTx{appended: 1, committed: true}) || txs[1] != (tapTx{appended: 24, failed: true}) {
			t.Fatalf("write transactions from the held one on: %+v; want the held one (1 transfer), then the failed batch (24 transfers)", txs)
		}
		retried := 0
		for _, tx := range txs[2:] {
			if tx.failed || tx.appended > 1 {
				t.Fatalf("a transaction after the failed batch: %+v, want one posting each", tx)
			}
			if tx.committed {
				retried += tx.appended
			}
		}
		if retried != 24 {
			t.Fatalf("the retries appended %d transfers, want 24", retried)
		}
		f.wantBalance(t, o, 0)
		f.wantClean(t, 2+1+24)
	})
}

// Closing the service commits and answers every posting already queued; postings that arrive
// once Close has begun, and after it, are refused with EUNAVAILABLE and not applied.
func TestCloseDrainsTheCommitter(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f, store := newTapFixture(t, s)
		o := f.newOrg(t)
		f.grant(t, o, 100)

		held, release := holdCommitter(t, f, store, o, 1)
		queued := 16
		answers := make(chan error, 64)
		for range queued {
			f.reportAsync(o, billd.NewUUID(), 1, answers)
		}
		waitQueued(t, f, queued)
		closed := make(chan error, 1)
		go func() { closed <- f.svc.Close() }()
		// Probe until a posting is refused: then Close has begun while the queued postings wait
		// behind the held transaction. A probe queued before that must be committed like them.
		for refused := false; !refused; {
			probe := make(chan error, 1)
			f.reportAsync(o, billd.NewUUID(), 1, probe)
			waitFor(t, "the probe to be queued or refused", func() bool {
				select {
				case err := <-probe:
					wantCode(t, err, billd.EUNAVAILABLE)
					refused = true
					return true
				default:
					return billd.QueuedPostings(f.svc) > queued
				}
			})
			if !refused {
				queued++
				go func() { answers <- <-probe }()
			}
		}
		release()
		must(t, <-held)
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
		if got := outcomes(collect(answers, queued)); got["ok"] != queued {
			t.Fatalf("outcomes of the %d postings queued at Close = %v, want all ok", queued, got)
		}
		wantCode(t, f.report(t, o, usage(1)), billd.EUNAVAILABLE)
		f.wantBalance(t, o, 100-1-int64(queued))
		f.wantClean(t, int64(1+1+queued))
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
