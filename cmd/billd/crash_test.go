package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/client"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestCrashRecovery kills billd with SIGKILL at random moments under a mixed load of usage reports
// and reverts, restarts it on the same database, and proves after every restart that
//   - every acknowledged usage and revert is in the journal (its replay answers 409 "already
//     applied", and the journal's primary key makes it exactly once),
//   - every request of unknown outcome was applied entirely or not at all (settled by replaying it
//     once by its idempotency key),
//   - each account's balance is its grants minus the applied usage plus the applied reverts, and
//   - the server's own ledger check finds no problem and exactly the transfers the test applied.
//
// Its random choices (when to kill, what each worker picks) come from one seed, which it logs and
// BILLD_CRASH_SEED sets. A seed does not replay a run: what is sent, and what a kill cuts off,
// depend on timing.
func TestCrashRecovery(t *testing.T) {
	procRequired(t)
	seed := crashSeed(t)
	t.Logf("random seed %d (%s sets it)", seed, crashSeedEnv)
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			crashRecovery(t, store, seed)
		})
	}
}

// crashSeedEnv names the variable that sets the crash test's random seed.
const crashSeedEnv = "BILLD_CRASH_SEED"

// crashSeed returns the seed of the crash test's random choices: $BILLD_CRASH_SEED if set, else a
// random one.
func crashSeed(t *testing.T) uint64 {
	t.Helper()
	s := os.Getenv(crashSeedEnv)
	if s == "" {
		return rand.Uint64()
	}
	seed, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q is not a seed: %v", crashSeedEnv, s, err)
	}
	return seed
}

// crashRand returns the random source of one part of a crash run: stream 0 picks the moments of
// the kills, stream crashWorkerStream(epoch, w) what worker w sends in that epoch.
func crashRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// crashWorkerStream is the random stream of worker w in an epoch.
func crashWorkerStream(epoch, w int) uint64 { return uint64(1 + epoch*crashWorkers + w) }

// crashDelay picks when the kill of the next epoch comes after the load's first acknowledgement.
func crashDelay(rng *rand.Rand) time.Duration {
	return crashMinDelay + time.Duration(rng.Int64N(int64(crashMaxDelay-crashMinDelay)))
}

const (
	crashKills    = 3                      // kills per store
	crashWorkers  = 16                     // concurrent requests of the load
	crashAccounts = 4                      // accounts under load
	crashGrant    = int64(1) << 40         // each account's credits: the load never runs out
	crashMinDelay = 300 * time.Millisecond // the kill comes between these after the first acknowledgement
	crashMaxDelay = 1500 * time.Millisecond
)

// crashStatus is what the test knows of a money-moving request.
type crashStatus int

const (
	crashInFlight   crashStatus = iota
	crashAcked                  // answered 200
	crashRefused                // answered 4xx or 503: not applied
	crashUnknown                // transport error or another 5xx: not known yet
	crashApplied                // unknown, then settled by a replay: applied
	crashNotApplied             // unknown, then settled by a replay: not applied
)

func (s crashStatus) applied() bool { return s == crashAcked || s == crashApplied }

// crashOp is one usage report or one revert.
type crashOp struct {
	acct   int
	usages []client.Usage // a usage report (all or nothing), or
	usage  *crashUsage    // the usage a revert gives back,
	key    string         // with this Idempotency-Key
	amount int64          // the usage total or the revert amount
	epoch  int            // the run between two kills it was sent in
	status crashStatus
	err    error // the answer, when it was not 200
}

func (op *crashOp) String() string {
	if op.usage != nil {
		return fmt.Sprintf("revert of %d of usage %s (key %s, epoch %d)", op.amount, op.usage.id, op.key, op.epoch)
	}
	ids := make([]string, len(op.usages))
	for i, u := range op.usages {
		ids[i] = u.ID
	}
	return fmt.Sprintf("usage report %v of %d (epoch %d)", ids, op.amount, op.epoch)
}

// crashUsage is an acknowledged usage that reverts may give back.
type crashUsage struct {
	id       string
	amount   int64
	reserved int64 // the reverts of it acknowledged or of unknown outcome
}

// crashModel is what the test sent and what it knows of each request.
type crashModel struct {
	mu         sync.Mutex
	accounts   []*world
	grants     []int64 // credits granted per account
	grantCount int     // grant transfers
	ops        []*crashOp
	revertable [][]*crashUsage // per account: acknowledged usages with something left to revert
}

// next picks the next request of a load worker: mostly usage reports (some of several usages),
// and reverts of acknowledged usages within what the test knows is left of them.
func (m *crashModel) next(rng *rand.Rand, epoch int) *crashOp {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := rng.IntN(len(m.accounts))
	op := &crashOp{acct: a, epoch: epoch}
	if rs := m.revertable[a]; len(rs) > 0 && rng.IntN(4) == 0 {
		i := rng.IntN(len(rs))
		u := rs[i]
		op.usage, op.key = u, billd.NewUUID()
		op.amount = min(1+rng.Int64N(3), u.amount-u.reserved)
		u.reserved += op.amount
		if u.reserved == u.amount {
			rs[i] = rs[len(rs)-1]
			m.revertable[a] = rs[:len(rs)-1]
		}
	} else {
		n := 1
		if rng.IntN(8) == 0 {
			n = 2 + rng.IntN(4)
		}
		for range n {
			u := client.Usage{ID: billd.NewUUID(), Amount: client.Int64(1 + rng.Int64N(10)), Source: "crash-test"}
			op.usages = append(op.usages, u)
			op.amount += int64(u.Amount)
		}
	}
	m.ops = append(m.ops, op)
	return op
}

// send sends op with meter.
func (m *crashModel) send(ctx context.Context, meter *client.Client, op *crashOp) error {
	acct := m.accounts[op.acct]
	if op.usage != nil {
		return meter.RevertUsage(ctx, acct.orgID, op.usage.id, op.amount, op.key)
	}
	return meter.ReportUsage(ctx, acct.orgID, acct.accountID, op.usages)
}

// record notes the answer to op, classified as `billd bench` does, and returns op's status.
func (m *crashModel) record(op *crashOp, err error) crashStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	applied, known := outcome(err)
	op.err = err
	switch {
	case !known:
		op.status = crashUnknown
	case applied:
		op.status = crashAcked
		if op.usage == nil {
			for _, u := range op.usages {
				m.revertable[op.acct] = append(m.revertable[op.acct], &crashUsage{id: u.ID, amount: int64(u.Amount)})
			}
		}
	default:
		op.status = crashRefused
		m.unreserve(op)
	}
	return op.status
}

// unreserve gives back the room a revert that was not applied had reserved. Callers hold m.mu.
func (m *crashModel) unreserve(op *crashOp) {
	if op.usage == nil {
		return
	}
	if op.usage.reserved == op.usage.amount {
		m.revertable[op.acct] = append(m.revertable[op.acct], op.usage)
	}
	op.usage.reserved -= op.amount
}

func crashRecovery(t *testing.T, store string, seed uint64) {
	dsn := sqltest.DSN(t, store)
	logPath := filepath.Join(t.TempDir(), "billd.log")
	rng := crashRand(seed, 0)
	node := func(n int) string { return fmt.Sprintf("billd[%s #%d]", store, n) }

	srv := spawn(t, node(0), dsn, logPath)
	accounts := newWorlds(t, srv, crashAccounts, crashGrant)
	meter := accounts[0].meter
	m := &crashModel{accounts: accounts, grants: make([]int64, len(accounts)), revertable: make([][]*crashUsage, len(accounts))}
	for i := range m.grants {
		m.grants[i] = crashGrant
	}
	m.grantCount = len(accounts)

	for epoch := 1; epoch <= crashKills; epoch++ {
		crashLoad(t, srv, meter, m, seed, epoch, crashDelay(rng))
		srv = spawn(t, node(epoch), dsn, logPath) // restart on the same database
		crashCheck(t, srv, meter, m, epoch)
		if t.Failed() {
			t.Logf("random seed %d; the log of billd (all runs) is %s", seed, logPath)
			return
		}
	}
}

// crashLoad runs the load against srv, its workers' choices drawn from seed, and kills srv with
// SIGKILL delay after the first request is acknowledged.
func crashLoad(t *testing.T, srv *server, meter creds, m *crashModel, seed uint64, epoch int, delay time.Duration) {
	c := srv.goClient(meter, crashWorkers)
	ctx, cancel := context.WithCancel(context.Background())
	var stop atomic.Bool
	var wg sync.WaitGroup
	acked := make(chan struct{})
	var ackOnce sync.Once
	halt := func() {
		stop.Store(true)
		cancel() // requests still waiting on the dead server end as unknown
		wg.Wait()
	}
	defer halt() // also when the kill fails the test
	for w := range crashWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := crashRand(seed, crashWorkerStream(epoch, w))
			for !stop.Load() {
				op := m.next(rng, epoch)
				if m.record(op, m.send(ctx, c, op)) == crashAcked {
					ackOnce.Do(func() { close(acked) })
				}
			}
		}()
	}
	select {
	case <-acked:
	case <-time.After(waitTimeout):
		t.Fatalf("epoch %d: no request was acknowledged within %s: the load does not run", epoch, waitTimeout)
	}
	time.Sleep(delay) // the random moment of the crash
	srv.kill()
	halt()

	m.mu.Lock()
	defer m.mu.Unlock()
	counts := map[crashStatus]int{}
	var refused []string
	for _, op := range m.ops {
		if op.epoch != epoch {
			continue
		}
		counts[op.status]++
		if op.status == crashRefused {
			if procStatus(op.err) != 503 {
				refused = append(refused, fmt.Sprintf("%s: %v", op, op.err))
			}
		}
	}
	t.Logf("epoch %d: killed %s %s after the first acknowledgement: %d acknowledged, %d refused, %d unknown",
		epoch, srv.name, delay.Round(time.Millisecond), counts[crashAcked], counts[crashRefused], counts[crashUnknown])
	// Every account has ample credits, every id is fresh and every revert stays within its
	// usage: the server has no reason to refuse anything but with 503 (overload).
	if len(refused) > 0 {
		t.Errorf("epoch %d: %d requests were refused with 4xx, want none; e.g.:\n%s",
			epoch, len(refused), strings.Join(refused[:min(len(refused), 10)], "\n"))
	}
}

// crashCheck settles the requests of unknown outcome on the restarted srv, then proves that every
// applied request is in the journal once and that the books balance.
func crashCheck(t *testing.T, srv *server, meter creds, m *crashModel, epoch int) {
	ctx := context.Background()
	c := srv.goClient(meter, crashWorkers)

	// Settle: replay each request of unknown outcome once (again only after a 503, which
	// refuses it before anything is queued).
	var unknown []*crashOp
	for _, op := range m.ops {
		if op.status == crashUnknown {
			unknown = append(unknown, op)
		}
	}
	var unsettled atomic.Int64
	var settled [3]atomic.Int64 // not applied (4xx), applied before (409), applied by the replay (200)
	procEach(len(unknown), crashWorkers, func(i int) {
		op := unknown[i]
		err := crashReplay(ctx, m, c, op)
		already := "credits already applied"
		if op.usage != nil {
			already = "revert already applied"
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		switch status := procStatus(err); {
		case err == nil:
			op.status = crashApplied
			settled[2].Add(1)
		case procIsError(err, 409, already):
			op.status = crashApplied
			settled[1].Add(1)
		case status == 409:
			unsettled.Add(1)
			t.Errorf("settling %s: %v, want 200 or 409 %q", op, err, already)
		case status >= 400 && status < 500:
			op.status = crashNotApplied
			m.unreserve(op)
			settled[0].Add(1)
		default:
			unsettled.Add(1)
			t.Errorf("settling %s after the restart: %v, want an answer", op, err)
		}
	})
	if unsettled.Load() > 0 {
		return // the books cannot be checked without knowing what was applied
	}

	// Every applied usage, alone, and every applied revert, replayed, answers "already applied":
	// each is in the journal.
	type replay struct {
		op    *crashOp
		usage client.Usage // for a usage report: one of its usages
	}
	var replays []replay
	var usageIDs, reverts int
	wantBalance := append([]int64(nil), m.grants...)
	for _, op := range m.ops {
		if !op.status.applied() {
			continue
		}
		if op.usage != nil {
			replays = append(replays, replay{op: op})
			reverts++
			wantBalance[op.acct] += op.amount
			continue
		}
		for _, u := range op.usages {
			replays = append(replays, replay{op: op, usage: u})
		}
		usageIDs += len(op.usages)
		wantBalance[op.acct] -= op.amount
	}
	var missing atomic.Int64
	procEach(len(replays), crashWorkers, func(i int) {
		r := replays[i]
		acct := m.accounts[r.op.acct]
		var err error
		want := "revert already applied"
		if r.op.usage != nil {
			err = procRetry503(func() error { return c.RevertUsage(ctx, acct.orgID, r.op.usage.id, r.op.amount, r.op.key) })
		} else {
			want = "credits already applied"
			err = procRetry503(func() error { return c.ReportUsage(ctx, acct.orgID, acct.accountID, []client.Usage{r.usage}) })
		}
		if !procIsError(err, 409, want) {
			if missing.Add(1) <= 20 {
				what := fmt.Sprintf("usage %s of %s", r.usage.ID, r.op)
				if r.op.usage != nil {
					what = r.op.String()
				}
				t.Errorf("after restart %d: replaying the applied (status %d) %s answered %v, want 409 %q",
					epoch, r.op.status, what, err, want)
			}
		}
	})
	if n := missing.Load(); n > 0 {
		t.Errorf("after restart %d: %d applied requests are not in the journal as they were applied", epoch, n)
	}

	// The books: each balance, and the server's own check of the journal.
	asAdmin := srv.goClient(admin, 4)
	for i, a := range m.accounts {
		got, err := asAdmin.Balance(ctx, a.orgID, a.accountID)
		if err != nil {
			t.Fatalf("after restart %d: balance of account %s: %v", epoch, a.accountID, err)
		}
		if got != wantBalance[i] {
			t.Errorf("after restart %d: account %s has balance %d, want %d (granted %d; the difference is %d)",
				epoch, a.accountID, got, wantBalance[i], m.grants[i], got-wantBalance[i])
		}
	}
	report, err := asAdmin.VerifyLedger(ctx)
	if err != nil {
		t.Fatalf("after restart %d: verify: %v", epoch, err)
	}
	for _, p := range report.Problems {
		t.Errorf("after restart %d: verify: account %s transfer %s: %s", epoch, p.AccountID, p.TransferID, p.Detail)
	}
	wantTransfers := int64(m.grantCount + usageIDs + reverts)
	if int64(report.Transfers) != wantTransfers || int(report.Accounts) != len(m.accounts) {
		t.Errorf("after restart %d: verify checked %d accounts and %d transfers, want %d and %d (%d grants, %d usages, %d reverts)",
			epoch, report.Accounts, report.Transfers, len(m.accounts), wantTransfers, m.grantCount, usageIDs, reverts)
	}
	t.Logf("after restart %d: settled %d unknown (%d applied before the kill, %d applied by the replay, %d refused); replayed %d applied requests; verify: %d accounts, %d transfers, %d problems",
		epoch, len(unknown), settled[1].Load(), settled[2].Load(), settled[0].Load(), len(replays), report.Accounts, report.Transfers, len(report.Problems))
}

// crashReplay sends op again, as it was sent.
func crashReplay(ctx context.Context, m *crashModel, c *client.Client, op *crashOp) error {
	return procRetry503(func() error { return m.send(ctx, c, op) })
}

// TestCrashSeed checks the crash test's seed: BILLD_CRASH_SEED sets it, and the kill moments and
// each worker of each epoch draw from random streams of their own.
func TestCrashSeed(t *testing.T) {
	t.Setenv(crashSeedEnv, "12345")
	if seed := crashSeed(t); seed != 12345 {
		t.Fatalf("crashSeed = %d with %s=12345", seed, crashSeedEnv)
	}
	streams := map[uint64]string{0: "the kill moments"}
	for epoch := 1; epoch <= crashKills; epoch++ {
		for w := range crashWorkers {
			stream, who := crashWorkerStream(epoch, w), fmt.Sprintf("worker %d of epoch %d", w, epoch)
			if other, taken := streams[stream]; taken {
				t.Errorf("%s draws from stream %d, as %s does", who, stream, other)
			}
			streams[stream] = who
		}
	}
}
