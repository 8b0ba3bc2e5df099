package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/client"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestTwoNodesOnOnePostgres runs two billd processes on one PostgreSQL schema, started together
// (so that both migrate the fresh schema and bootstrap the admin at once), and proves that the
// ledger rules hold across nodes:
//   - an account funded for exactly N debits, drained by both nodes at once, takes exactly N of
//     them, refuses the rest with "insufficient credits" and ends at 0 (no overdraft);
//   - one usage id sent many times to both nodes at once is applied exactly once;
//   - concurrent partial reverts of one usage through both nodes never sum to more than it;
//   - each node's ledger check finds no problem and exactly the transfers the test applied.
func TestTwoNodesOnOnePostgres(t *testing.T) {
	const (
		debits  = 300 // N: the account is funded for exactly this many usages
		amount  = 10  // of each usage
		workers = 32  // half on each node
	)
	procRequired(t)
	dsn := sqltest.DSN(t, "postgres")
	a := launch(t, "billd[node A]", dsn, "")
	b := launch(t, "billd[node B]", dsn, "")
	a.waitListening()
	b.waitListening()
	nodes := []*server{a, b}
	ctx := context.Background()

	acct := newWorld(t, a, debits*amount)
	meters := []*client.Client{a.goClient(acct.meter, workers), b.goClient(acct.meter, workers)}
	admins := []*client.Client{a.goClient(admin, 4), b.goClient(admin, 4)}
	grants, usages, reverts := 1, 0, 0 // transfers the test applied
	// checkBalance checks the balance on both nodes and returns it, so that each later phase
	// checks what it did itself even if an earlier one failed.
	checkBalance := func(when string, want int64) int64 {
		t.Helper()
		var got [2]int64
		for i, ad := range admins {
			var err error
			if got[i], err = ad.Balance(ctx, acct.orgID, acct.accountID); err != nil {
				t.Fatalf("%s: balance on %s: %v", when, nodes[i].name, err)
			}
			if got[i] != want {
				t.Errorf("%s: balance on %s is %d, want %d", when, nodes[i].name, got[i], want)
			}
		}
		if got[0] != got[1] {
			t.Fatalf("%s: the nodes disagree on the balance: %d and %d", when, got[0], got[1])
		}
		return got[0]
	}

	// 1. Drain: 32 workers, half on each node, report one usage after another with fresh ids
	// until they are refused.
	var applied [2]atomic.Int64
	var refused atomic.Int64
	var mu sync.Mutex
	var unexpected []string
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		node := w % 2
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// An account that never refuses would keep a worker here forever: past twice the
			// debits it is funded for, the drain stops (and fails below).
			for applied[0].Load()+applied[1].Load() < 2*debits {
				id := billd.NewUUID()
				err := procRetry503(func() error {
					return meters[node].ReportUsage(ctx, acct.orgID, acct.accountID, []client.Usage{{ID: id, Amount: amount, Source: "two-nodes"}})
				})
				switch {
				case err == nil:
					applied[node].Add(1)
					continue
				case procIsError(err, 400, "insufficient credits"):
					refused.Add(1)
				default:
					mu.Lock()
					unexpected = append(unexpected, fmt.Sprintf("usage %s on %s: %v, want 200 or 400 \"insufficient credits\"", id, nodes[node].name, err))
					mu.Unlock()
				}
				return
			}
			mu.Lock()
			unexpected = append(unexpected, fmt.Sprintf("the account took %d usages and was never refused", 2*debits))
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("drain: %d usages applied through node A, %d through node B, %d refused", applied[0].Load(), applied[1].Load(), refused.Load())
	for _, u := range unexpected {
		t.Errorf("drain: %s", u)
	}
	if n := applied[0].Load() + applied[1].Load(); n != debits {
		t.Errorf("drain: %d usages of %d applied on an account funded for exactly %d", n, amount, debits)
	}
	if refused.Load() != workers {
		t.Errorf("drain: %d workers were refused with \"insufficient credits\", want all %d", refused.Load(), workers)
	}
	for i := range nodes {
		if applied[i].Load() == 0 {
			t.Errorf("drain: no usage was applied through %s: the nodes did not debit the account together", nodes[i].name)
		}
	}
	usages += int(applied[0].Load() + applied[1].Load())
	balance := checkBalance("after the drain", 0)

	// 2. Replays: each of several usage ids is sent 4 times by each of 32 workers, half on each
	// node, at once: exactly one of the 128 sends is applied, the others answer "already applied".
	const topUp, replayIDs, sendsPerWorker = 1000, 5, 4
	if err := admins[1].GrantCredits(ctx, acct.orgID, acct.accountID, billd.NewUUID(), topUp); err != nil {
		t.Fatalf("grant through node B: %v", err)
	}
	grants++
	var replayed []string
	for round := range replayIDs {
		id := billd.NewUUID()
		var oks [2]atomic.Int64
		var conflicts atomic.Int64
		var bad []string
		start := make(chan struct{})
		for w := range workers {
			node := w % 2
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for range sendsPerWorker {
					err := procRetry503(func() error {
						return meters[node].ReportUsage(ctx, acct.orgID, acct.accountID, []client.Usage{{ID: id, Amount: amount, Source: "two-nodes"}})
					})
					switch {
					case err == nil:
						oks[node].Add(1)
					case procIsError(err, 409, "credits already applied"):
						conflicts.Add(1)
					default:
						mu.Lock()
						bad = append(bad, fmt.Sprintf("%s: %v", nodes[node].name, err))
						mu.Unlock()
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		for _, e := range bad {
			t.Errorf("replay round %d, usage %s: %s, want 200 or 409 \"credits already applied\"", round, id, e)
		}
		if n := oks[0].Load() + oks[1].Load(); n != 1 || conflicts.Load() != workers*sendsPerWorker-1 {
			t.Errorf("replay round %d, usage %s: %d answers 200 (node A %d, node B %d) and %d answers 409 of %d sends, want exactly one 200",
				round, id, n, oks[0].Load(), oks[1].Load(), conflicts.Load(), workers*sendsPerWorker)
		}
		replayed = append(replayed, id)
	}
	usages += replayIDs
	balance = checkBalance("after the replays", balance+topUp-replayIDs*amount)

	// 3. Reverts: 8 revert requests of 3 of one usage of 10, each with its own Idempotency-Key
	// and each sent 4 times (twice per node), all at once: exactly 3 are applied, once each.
	const keys, sendsPerKey, revertAmount = 8, 4, 3
	usageID := replayed[0]
	answers := make([][]string, keys) // per key: "200", "409", "400" or the unexpected error
	start = make(chan struct{})
	keyOf := make([]string, keys)
	for k := range keys {
		keyOf[k] = billd.NewUUID()
		answers[k] = make([]string, sendsPerKey)
		for s := range sendsPerKey {
			node := s % 2
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := procRetry503(func() error {
					return meters[node].RevertUsage(ctx, acct.orgID, usageID, revertAmount, keyOf[k])
				})
				var ans string
				switch {
				case err == nil:
					ans = "200"
				case procIsError(err, 409, "revert already applied"):
					ans = "409"
				case procIsError(err, 400, "revert amount is greater than the usage amount"):
					ans = "400"
				default:
					ans = fmt.Sprintf("%s: %v", nodes[node].name, err)
				}
				answers[k][s] = ans
			}()
		}
	}
	close(start)
	wg.Wait()
	appliedKeys := 0
	for k, ans := range answers {
		sorted := append([]string(nil), ans...)
		sort.Strings(sorted)
		switch got := strings.Join(sorted, ","); got {
		case "200,409,409,409":
			appliedKeys++
		case "400,400,400,400":
		default:
			t.Errorf("revert key %s: answers %v, want one 200 and three 409 \"revert already applied\", or four 400 \"greater than the usage amount\"", keyOf[k], ans)
		}
	}
	if want := int(amount / revertAmount); appliedKeys != want {
		t.Errorf("%d concurrent reverts of %d of usage %s (of %d) were applied, want exactly %d", appliedKeys, revertAmount, usageID, amount, want)
	}
	reverts += appliedKeys
	// What is left of the usage (1) can still be reverted, and then nothing more.
	left := amount - int64(appliedKeys)*revertAmount
	if left > 0 {
		if err := meters[1].RevertUsage(ctx, acct.orgID, usageID, left, billd.NewUUID()); err != nil {
			t.Errorf("reverting the %d left of usage %s through node B: %v", left, usageID, err)
		} else {
			reverts++
		}
	}
	if err := meters[0].RevertUsage(ctx, acct.orgID, usageID, 1, billd.NewUUID()); !procIsError(err, 400, "revert amount is greater than the usage amount") {
		t.Errorf("reverting 1 more of the fully reverted usage %s through node A: %v, want 400", usageID, err)
	}
	checkBalance("after the reverts", balance+int64(appliedKeys)*revertAmount+max(left, 0))

	// 4. The ledger, checked by each node.
	wantTransfers := int64(grants + usages + reverts)
	for i, ad := range admins {
		report, err := ad.VerifyLedger(ctx)
		if err != nil {
			t.Fatalf("verify on %s: %v", nodes[i].name, err)
		}
		for _, p := range report.Problems {
			t.Errorf("verify on %s: account %s transfer %s: %s", nodes[i].name, p.AccountID, p.TransferID, p.Detail)
		}
		if int64(report.Transfers) != wantTransfers || report.Accounts != 1 {
			t.Errorf("verify on %s: %d accounts and %d transfers, want 1 and %d (%d grants, %d usages, %d reverts)",
				nodes[i].name, report.Accounts, report.Transfers, wantTransfers, grants, usages, reverts)
		}
	}
	for _, n := range nodes {
		if err := n.stop(); err != nil {
			t.Errorf("%s: %v", n.name, err)
		}
	}
}
