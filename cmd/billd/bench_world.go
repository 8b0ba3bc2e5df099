package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/client"
)

// grantPerAccount funds each bench account so that no scenario runs out of credits.
const grantPerAccount = int64(1) << 60

// benchWorld is what a bench run set up: its accounts and a platform meter client.
type benchWorld struct {
	orgIDs   []string // the organizations the run created ("" where creating one failed)
	accounts []*benchAccount
	meter    *client.Client
	rpc      *rpcClient // the meter over the RPC transport of --transport; nil for rest
	meterID  string     // the meter's credentials, for the lean connections and the RPC client
	secret   string
	newID    func() string // makes usage ids: random (v4) or time-ordered (v7), as --ids says
}

// benchAccount is one account under load and what the run knows it did to it.
type benchAccount struct {
	orgID, id string
	baseline  int64 // the balance before the run
	mu        sync.Mutex
	used      int64 // usage applied (acknowledged or resolved)
	reverted  int64
	unknown   []benchOp // requests whose outcome the run did not learn
}

// benchOp is a money-moving request, kept to be replayed by its idempotency key if its outcome is
// unknown.
type benchOp struct {
	usages  []client.Usage // a usage report
	revert  string         // or the usage a revert gives back
	key     string         // the revert's Idempotency-Key
	amount  int64          // the usage total or the revert amount
	isUsage bool
}

// record notes the outcome of op: applied, rejected, or unknown (a transport error or a 5xx other
// than a refusal to queue).
func (a *benchAccount) record(op benchOp, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch applied, known := outcome(err); {
	case !known:
		a.unknown = append(a.unknown, op)
	case applied && op.isUsage:
		a.used += op.amount
	case applied:
		a.reverted += op.amount
	}
}

// sharedClient is the client that operations share: the RPC client, or the Go client over REST.
func (w *benchWorld) sharedClient() benchClient {
	if w.rpc != nil {
		return w.rpc
	}
	return w.meter
}

// outcome says whether a request with this answer moved money, and whether that is known. 503
// (shed or shutting down; an RPC's Unavailable) is refused before anything is queued.
func outcome(err error) (applied, known bool) {
	if err == nil {
		return true, true
	}
	if status, answered := answerStatus(err); !answered || status >= 500 && status != 503 {
		return false, false
	}
	return false, true
}

// setupWorld creates n organizations, each with a funded account, and a meter client. On an error
// it also returns what it created, for cleanup.
func setupWorld(ctx context.Context, admin *client.Client, n int) (*benchWorld, error) {
	prefix := "bench-" + billd.NewUUID()[:8]
	w := &benchWorld{orgIDs: make([]string, n), accounts: make([]*benchAccount, n)}
	err := parallel(ctx, n, 32, func(i int) error {
		orgID, err := admin.CreateOrganization(ctx, fmt.Sprintf("%s-%d", prefix, i), "bench")
		if err != nil {
			return err
		}
		w.orgIDs[i] = orgID
		id, err := admin.CreateBillingAccount(ctx, orgID, "bench")
		if err != nil {
			return err
		}
		w.accounts[i] = &benchAccount{orgID: orgID, id: id, baseline: grantPerAccount}
		return admin.GrantCredits(ctx, orgID, id, billd.NewUUID(), grantPerAccount)
	})
	if err != nil {
		return w, err
	}
	return w, w.newMeter(ctx, admin, prefix)
}

// armSpendLimits sets hourly and monthly spend limits on every account of w, far above what a run
// spends, so that each usage is checked against them and none is refused.
func armSpendLimits(ctx context.Context, admin *client.Client, w *benchWorld) error {
	return parallel(ctx, len(w.accounts), 32, func(i int) error {
		a := w.accounts[i]
		return admin.SetSpendLimits(ctx, a.orgID, a.id, math.MaxInt64/2, math.MaxInt64/2)
	})
}

// armRecharge arms automatic recharge on every account of w, between 1 and 2 credits: far below
// what the run spends from its funding, so every debit is watched and none crosses the low.
func armRecharge(ctx context.Context, admin *client.Client, w *benchWorld) error {
	return parallel(ctx, len(w.accounts), 32, func(i int) error {
		a := w.accounts[i]
		return admin.SetRecharge(ctx, a.orgID, a.id, true, 1, 2)
	})
}

// newMeter creates the run's platform meter client.
func (w *benchWorld) newMeter(ctx context.Context, admin *client.Client, prefix string) error {
	meter, err := admin.CreateClient(ctx, prefix+"-meter", "meter", "")
	if err != nil {
		return err
	}
	w.meter = admin.As(meter.ID, meter.Secret)
	w.meterID, w.secret = meter.ID, meter.Secret
	return nil
}

// cleanup closes the organizations the run created (with their accounts and projects) and revokes
// its meter client, through the API; the journal keeps every entry. It tries the revocation
// whatever became of the organizations, and returns the errors of both. It reports what it did on
// out.
func (w *benchWorld) cleanup(ctx context.Context, admin *client.Client, out io.Writer) error {
	var created []string
	for _, id := range w.orgIDs {
		if id != "" {
			created = append(created, id)
		}
	}
	err := parallel(ctx, len(created), 32, func(i int) error { return admin.DeleteOrganization(ctx, created[i]) })
	if w.meterID != "" {
		err = errors.Join(err, admin.RevokeClient(ctx, w.meterID))
	}
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	fmt.Fprintf(out, "cleanup: closed the %d organizations the run created and revoked its meter client\n", len(created))
	return nil
}

// existingWorld drives the existing account "ORG_ID/BILLING_ID".
func existingWorld(ctx context.Context, admin *client.Client, account string) (*benchWorld, error) {
	orgID, id, ok := strings.Cut(account, "/")
	if !ok {
		return nil, errors.New("--account must be ORG_ID/BILLING_ID")
	}
	balance, err := admin.Balance(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	w := &benchWorld{accounts: []*benchAccount{{orgID: orgID, id: id, baseline: balance}}}
	return w, w.newMeter(ctx, admin, "bench-"+billd.NewUUID()[:8])
}

// parallel runs fn(0..n-1) on up to workers goroutines and returns the first error.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(n, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// usages returns n fresh usages of amount 1.
func (w *benchWorld) usages(n int) []client.Usage {
	out := make([]client.Usage, n)
	for i := range out {
		out[i] = client.Usage{ID: w.newID(), Amount: 1, Source: "bench"}
	}
	return out
}

// report sends a usage report and records its outcome.
func report(ctx context.Context, c benchClient, a *benchAccount, us []client.Usage, done func(string, int, error)) {
	err := c.ReportUsage(ctx, a.orgID, a.id, us)
	a.record(benchOp{usages: us, amount: int64(len(us)), isUsage: true}, err)
	done("usage", len(us), err)
}

// prefill reports n usages of amount 1 into each account, 1,000 per request from 8 workers, and
// records them like the measured load.
func prefill(ctx context.Context, w *benchWorld, n int) (time.Duration, error) {
	start := time.Now()
	for _, a := range w.accounts {
		requests := (n + 999) / 1000
		err := parallel(ctx, requests, 8, func(i int) error {
			size := min(1000, n-i*1000)
			var err error
			report(ctx, w.meter, a, w.usages(size), func(_ string, _ int, e error) { err = e })
			if applied, known := outcome(err); known && !applied {
				return err
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// checkBooks settles the requests whose outcome is unknown by replaying them, then checks every
// account's balance against what the run applied, and the server's own ledger check.
func checkBooks(ctx context.Context, admin *client.Client, w *benchWorld, out io.Writer) error {
	var mismatches atomic.Int64
	err := parallel(ctx, len(w.accounts), 32, func(i int) error {
		a := w.accounts[i]
		for _, op := range a.unknown {
			if err := settle(ctx, w, a, op); err != nil {
				return err
			}
		}
		balance, err := admin.Balance(ctx, a.orgID, a.id)
		if err != nil {
			return err
		}
		if want := a.baseline - a.used + a.reverted; balance != want {
			mismatches.Add(1)
			fmt.Fprintf(out, "  MISMATCH account %s: balance %d, the run applied %d usage and %d reverts (want %d)\n",
				a.id, balance, a.used, a.reverted, want)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("checking balances: %w", err)
	}
	report, err := admin.VerifyLedger(ctx)
	if err != nil {
		return fmt.Errorf("verifying the ledger: %w", err)
	}
	fmt.Fprintf(out, "  books: %d accounts checked against the sums sent, %d mismatches; server verify: %d accounts, %d transfers, %d problems\n",
		len(w.accounts), mismatches.Load(), report.Accounts, report.Transfers, len(report.Problems))
	if mismatches.Load() > 0 || len(report.Problems) > 0 {
		return errors.New("the books do not balance")
	}
	return nil
}

// settle replays a request of unknown outcome with its idempotency key: it is applied now, or
// the server answers that it was applied before.
func settle(ctx context.Context, w *benchWorld, a *benchAccount, op benchOp) error {
	var err error
	if op.isUsage {
		err = w.meter.ReportUsage(ctx, a.orgID, a.id, op.usages)
	} else {
		err = w.meter.RevertUsage(ctx, a.orgID, op.revert, op.amount, op.key)
	}
	status, answered := answerStatus(err)
	switch {
	case err == nil, answered && status == 409:
		if op.isUsage {
			a.used += op.amount
		} else {
			a.reverted += op.amount
		}
		return nil
	case answered && status < 500:
		return nil // refused: it was never applied
	}
	return fmt.Errorf("settling a request of unknown outcome: %w", err)
}

// scenario is one kind of load: how many accounts it needs and one client operation.
type scenario struct {
	accounts func(benchFlags) int
	op       func(ctx context.Context, w *benchWorld, c benchClient, rng *rand.Rand, f benchFlags, done func(op string, usages int, err error))
}

func one(benchFlags) int { return 1 }

var scenarios = map[string]scenario{
	// hot: one usage per request, all on one account.
	"hot": {one, func(ctx context.Context, w *benchWorld, c benchClient, _ *rand.Rand, _ benchFlags, done func(string, int, error)) {
		report(ctx, c, w.accounts[0], w.usages(1), done)
	}},
	// spread: one usage per request on a random one of --accounts accounts.
	"spread": {func(f benchFlags) int { return f.accounts }, func(ctx context.Context, w *benchWorld, c benchClient, rng *rand.Rand, _ benchFlags, done func(string, int, error)) {
		report(ctx, c, w.accounts[rng.IntN(len(w.accounts))], w.usages(1), done)
	}},
	// batch: --batch usages per request on one account.
	"batch": {one, func(ctx context.Context, w *benchWorld, c benchClient, _ *rand.Rand, f benchFlags, done func(string, int, error)) {
		report(ctx, c, w.accounts[0], w.usages(f.batch), done)
	}},
	// mixed: 90% one-usage requests, 10% balance reads, on one account.
	"mixed": {one, func(ctx context.Context, w *benchWorld, c benchClient, rng *rand.Rand, _ benchFlags, done func(string, int, error)) {
		if rng.IntN(10) == 0 {
			a := w.accounts[0]
			_, err := c.Balance(ctx, a.orgID, a.id)
			done("balance", 0, err)
			return
		}
		report(ctx, c, w.accounts[0], w.usages(1), done)
	}},
	// read: balance reads only.
	"read": {one, func(ctx context.Context, w *benchWorld, c benchClient, _ *rand.Rand, _ benchFlags, done func(string, int, error)) {
		a := w.accounts[0]
		_, err := c.Balance(ctx, a.orgID, a.id)
		done("balance", 0, err)
	}},
	// revert: a usage of 10, then a partial revert of 3 with an Idempotency-Key.
	"revert": {one, func(ctx context.Context, w *benchWorld, c benchClient, _ *rand.Rand, _ benchFlags, done func(string, int, error)) {
		a := w.accounts[0]
		u := []client.Usage{{ID: w.newID(), Amount: 10, Source: "bench"}}
		err := c.ReportUsage(ctx, a.orgID, a.id, u)
		a.record(benchOp{usages: u, amount: 10, isUsage: true}, err)
		done("usage", 1, err)
		if applied, _ := outcome(err); !applied {
			return
		}
		key := billd.NewUUID()
		err = c.RevertUsage(ctx, a.orgID, u[0].ID, 3, key)
		a.record(benchOp{revert: u[0].ID, key: key, amount: 3}, err)
		done("revert", 0, err)
	}},
}
