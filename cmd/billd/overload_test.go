package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/client"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestOverloadSheds checks that a billd with more requests than it serves at once sheds the excess
// with 503 code 14, keeps answering (health checks and the requests it admits), and applies no
// shed request, not even in part: the books hold exactly what was acknowledged. The server is made
// small (one transaction per usage, overloadSlots requests in flight). Shedding is made certain:
// usage reports whose bodies the test holds back take every slot, and every request that comes
// meanwhile must be shed; once they are let go they are served. Then a flood from more connections
// than slots checks that every answer is 200 or a shed; how much it sheds depends on the machine
// and is not judged. No assertion is about time or memory: the server's peak RSS is logged
// (docs/benchmarks.md has the measured figures).
func TestOverloadSheds(t *testing.T) {
	srv := spawn(t, "overload", sqltest.DSN(t, "sqlite"), "", "--group-commit=false", "--max-inflight", strconv.Itoa(overloadSlots))
	a := newWorld(t, srv, 1<<50)
	flood := srv.goClient(a.meter, overloadConns)
	ctx := context.Background()
	healthy := overloadProbe(t, srv.url)

	// Every slot held: whatever comes is shed.
	held := overloadHoldSlots(t, srv, flood, a)
	full := overloadFlood(flood, a, 4*overloadConns)
	if len(full.shed) != full.offered {
		t.Errorf("with every slot held, %d of %d requests were served or failed otherwise than by shedding",
			full.offered-len(full.shed), full.offered)
	}
	for _, h := range held {
		if status := h.release(); status != http.StatusOK {
			t.Errorf("a held usage report, let go, was answered %d; want 200", status)
		}
	}

	// A flood from more connections than slots.
	res := overloadFlood(flood, a, 1000)
	if err := healthy(); err != nil {
		t.Errorf("the health check failed during the overload: %v", err)
	}
	t.Logf("with every slot held: %d requests, all shed; then a flood of %d requests: %d applied, %d shed",
		full.offered, res.offered, len(res.applied), len(res.shed))
	for kind, n := range full.unexpected {
		t.Errorf("%d requests failed otherwise than by shedding: %s", n, kind)
	}
	for kind, n := range res.unexpected {
		t.Errorf("%d requests failed otherwise than by shedding: %s", n, kind)
	}
	if peak, err := procMemory(srv.process.Pid, "VmHWM"); err != nil {
		t.Logf("the server's peak RSS is unknown: %v", err)
	} else {
		t.Logf("the server's peak RSS: %d MiB", peak>>20)
	}

	// The books hold exactly what was acknowledged.
	applied := int64(len(held)) // one usage each
	for _, r := range res.applied {
		applied += int64(len(r))
	}
	balance, err := flood.Balance(ctx, a.orgID, a.accountID)
	if err != nil || balance != 1<<50-applied {
		t.Fatalf("balance = %d, %v; want %d", balance, err, int64(1<<50)-applied)
	}
	// Every shed request is applied now, whole: so none of it had been applied before.
	shed := append(full.shed, res.shed...)
	var replayed atomic.Int64
	procEach(len(shed), overloadSlots, func(i int) {
		us := shed[i]
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

const (
	overloadSlots = 4  // the server's --max-inflight
	overloadConns = 32 // the flood's connections: its requests in flight
)

// overloadHoldSlots takes every request slot of srv with usage reports of one usage each whose
// bodies are held back.
func overloadHoldSlots(t *testing.T, srv *server, c *client.Client, a *world) []*heldPost {
	t.Helper()
	var held []*heldPost
	for range overloadSlots {
		body := client.UsagesBody([]client.Usage{{ID: billd.NewUUID(), Amount: 1}})
		held = append(held, holdPost(t, srv, a.account("/usages"), authHeader(a.meter), body))
	}
	// A held report that came while a probe had a slot was refused: it is sent again.
	eventually(t, "the held usage reports to take every slot", func() error {
		for _, h := range held {
			h.againIfRefused()
		}
		_, err := c.Balance(context.Background(), a.orgID, a.accountID)
		if err == nil {
			return errors.New("a balance read was served")
		}
		if procStatus(err) != http.StatusServiceUnavailable {
			t.Fatalf("a balance read while the held reports take their slots: %v; want it served or shed", err)
		}
		return nil
	})
	return held
}

// overloadResult is what a flood saw: the usages of each applied and each shed request, and any
// other failure by kind.
type overloadResult struct {
	mu         sync.Mutex
	offered    int
	applied    [][]client.Usage
	shed       [][]client.Usage
	unexpected map[string]int
}

// overloadFlood sends n usage reports over overloadConns connections, each sent as soon as a
// connection is free, whatever the answers; every fifth reports three usages at once.
func overloadFlood(c *client.Client, a *world, n int) *overloadResult {
	res := &overloadResult{unexpected: map[string]int{}}
	procEach(n, overloadConns, func(i int) {
		us := []client.Usage{{ID: billd.NewUUID(), Amount: 1}}
		if i%5 == 0 {
			us = append(us, client.Usage{ID: billd.NewUUID(), Amount: 1}, client.Usage{ID: billd.NewUUID(), Amount: 1})
		}
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
	})
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
