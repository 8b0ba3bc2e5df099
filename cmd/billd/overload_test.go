package main

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/client"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestOverloadSheds offers a billd four times the usage rate it sustains and checks that it sheds
// the excess with 503 code 14, keeps answering (health checks and the requests it admits), and
// applies no shed request, not even in part: the books hold exactly what was acknowledged. The
// server is made small (one transaction per usage, 32 requests in flight) so that the test can
// overload it from the same machine. No assertion is about time or memory, which depend on the
// machine: the server's peak RSS is logged (docs/benchmarks.md has the measured figures).
func TestOverloadSheds(t *testing.T) {
	srv := spawn(t, "overload", sqltest.DSN(t, "sqlite"), "", "--group-commit=false", "--max-inflight", "32")
	a := newWorld(t, srv, 1<<50)
	flood := srv.goClient(a.meter, 512)
	ctx := context.Background()

	measured := overloadClosedLoop(t, flood, a, 16, 2*time.Second)
	sustained := float64(measured) / 2
	rate := 4 * sustained
	t.Logf("sustained %.0f usage requests/s; offering %.0f/s", sustained, rate)

	healthy := overloadProbe(t, srv.url)
	res := overloadOpenLoop(flood, a, rate, 2*time.Second)
	if healthy() != nil {
		t.Errorf("the health check failed during the flood: %v", healthy())
	}
	t.Logf("offered %d requests: %d applied, %d shed", res.offered, len(res.applied), len(res.shed))
	for kind, n := range res.unexpected {
		t.Errorf("%d requests failed otherwise than by shedding: %s", n, kind)
	}
	if len(res.shed) == 0 {
		t.Fatalf("nothing was shed at %.0f requests/s", rate)
	}
	if peak, err := procMemory(srv.process.Pid, "VmHWM"); err != nil {
		t.Logf("the server's peak RSS is unknown: %v", err)
	} else {
		t.Logf("the server's peak RSS: %d MiB", peak>>20)
	}

	// The books hold exactly what was acknowledged.
	applied := measured
	for _, r := range res.applied {
		applied += int64(len(r))
	}
	balance, err := flood.Balance(ctx, a.orgID, a.accountID)
	if err != nil || balance != 1<<50-applied {
		t.Fatalf("balance = %d, %v; want %d", balance, err, int64(1<<50)-applied)
	}
	// Every shed request is applied now, whole: so none of it had been applied before.
	var replayed atomic.Int64
	procEach(len(res.shed), 16, func(i int) {
		us := res.shed[i]
		if err := procRetry503(func() error { return flood.ReportUsage(ctx, a.orgID, a.accountID, us) }); err != nil {
			t.Errorf("replaying a shed request: %v (it was applied, at least in part, when it was refused)", err)
			return
		}
		replayed.Add(int64(len(us)))
	})
	applied += replayed.Load()
	report, err := srv.goClient(admin, 4).VerifyLedger(ctx)
	if err != nil || len(report.Problems) != 0 || int64(report.Transfers) != 1+applied {
		t.Fatalf("verify: %+v, %v; want no problem and %d transfers", report, err, 1+applied)
	}
}

// overloadClosedLoop returns the single-usage requests that workers, each with one request in
// flight, get applied in d.
func overloadClosedLoop(t *testing.T, c *client.Client, a *world, workers int, d time.Duration) int64 {
	var done atomic.Int64
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				err := c.ReportUsage(context.Background(), a.orgID, a.accountID, []client.Usage{{ID: billd.NewUUID(), Amount: 1}})
				if err == nil {
					done.Add(1)
				} else if procStatus(err) != http.StatusServiceUnavailable {
					t.Errorf("closed loop: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return done.Load()
}

// overloadResult is what an open loop saw: the usages of each applied and each shed request, and
// any other failure by kind.
type overloadResult struct {
	mu         sync.Mutex
	offered    int
	applied    [][]client.Usage
	shed       [][]client.Usage
	unexpected map[string]int
}

// overloadOpenLoop starts rate requests per second for d, whatever the answers; every fifth request
// reports three usages at once.
func overloadOpenLoop(c *client.Client, a *world, rate float64, d time.Duration) *overloadResult {
	res := &overloadResult{unexpected: map[string]int{}}
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.After(start.Add(d)) {
			break
		}
		time.Sleep(time.Until(due))
		us := []client.Usage{{ID: billd.NewUUID(), Amount: 1}}
		if i%5 == 0 {
			us = append(us, client.Usage{ID: billd.NewUUID(), Amount: 1}, client.Usage{ID: billd.NewUUID(), Amount: 1})
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.ReportUsage(context.Background(), a.orgID, a.accountID, us)
			res.mu.Lock()
			defer res.mu.Unlock()
			res.offered++
			var e *client.Error
			switch {
			case err == nil:
				res.applied = append(res.applied, us)
			case errors.As(err, &e) && e.Status == http.StatusServiceUnavailable && e.Code == 14:
				res.shed = append(res.shed, us)
			default:
				res.unexpected[err.Error()]++
			}
		}()
	}
	wg.Wait()
	return res
}

// overloadProbe checks the server's health every 100 ms until the returned function is called,
// which returns the first failure.
func overloadProbe(t *testing.T, url string) func() error {
	stop := make(chan struct{})
	var failure error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		hc := &http.Client{Timeout: 10 * time.Second}
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			resp, err := hc.Get(url + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = errors.New(resp.Status)
				}
			}
			if err != nil && failure == nil {
				failure = err
			}
		}
	}()
	var once sync.Once
	return func() error {
		once.Do(func() {
			close(stop)
			wg.Wait()
		})
		return failure
	}
}
