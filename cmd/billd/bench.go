package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/client"
)

// benchFlags configure `billd bench`.
type benchFlags struct {
	target, scenario  string
	transport         string
	workers, accounts int
	batch, pid        int
	duration, warmup  time.Duration
	adminID, secret   string
	ids               string
	rate              int
	operations        int
	prefill           int
	spendLimits       bool
	autoRecharge      bool
	account           string
	cleanup           bool
}

// bench drives a running billd over HTTP with one scenario, then checks its books. It writes into
// the target's store, and says so first.
func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	fs := newFlags("bench", "bench --client-id ID --client-secret SECRET [flags]", "Drive a running billd over HTTP with a load scenario, then check its books. It writes into the\n"+
		"target's store.")
	var f benchFlags
	fs.StringVar(&f.target, "target", "http://127.0.0.1:7400", "base URL of the billd to drive")
	fs.StringVar(&f.scenario, "scenario", "hot", "hot | spread | batch | mixed | revert | read")
	fs.StringVar(&f.transport, "transport", "rest", "how the measured operations (usage reports, reverts, balance reads) go: rest (Frontier's REST paths, JSON over HTTP/1.1), "+
		"connect-json or connect-proto (the Connect protocol with JSON or binary protobuf, over HTTP/1.1), grpc (gRPC over HTTP/2 without TLS); "+
		"setup (organizations, accounts, grants, the meter client), --prefill, the replays of requests of unknown outcome and the books check always go over REST")
	fs.IntVar(&f.workers, "workers", 64, "concurrent workers, each with one request in flight")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long to measure")
	fs.IntVar(&f.operations, "operations", 0, "measure exactly this many operations instead of for --duration (an operation is one step of the scenario; the revert scenario's is a usage and its revert)")
	fs.DurationVar(&f.warmup, "warmup", time.Second, "load before measuring (applied, not counted in latency)")
	fs.IntVar(&f.accounts, "accounts", 10000, "spread: number of accounts")
	fs.IntVar(&f.batch, "batch", 1000, "batch: usages per request")
	fs.IntVar(&f.pid, "pid", 0, "server process id, to report its peak RSS and CPU time per request (from /proc)")
	fs.StringVar(&f.ids, "ids", "v4", "usage ids: v4 (random UUIDs) or v7 (time-ordered UUIDs)")
	fs.StringVar(&f.account, "account", "", "ORG_ID/BILLING_ID: drive this existing account (one-account scenarios) instead of creating one; its balance at the start is the books' baseline")
	fs.BoolVar(&f.cleanup, "cleanup", false, "at the end, close the organizations the run created (with their accounts) and revoke its meter client, through the API; the journal keeps its entries")
	fs.BoolVar(&f.spendLimits, "spend-limits", false, "arm hourly and monthly spend limits on the run's accounts, set far above what the run spends, so that every usage is checked against them")
	fs.BoolVar(&f.autoRecharge, "auto-recharge", false, "arm automatic recharge on the run's accounts, with a low far below what the run spends, so that every debit is watched and none recharges")
	fs.IntVar(&f.prefill, "prefill", 0, "before measuring, report this many usages into each account (1,000 per request), e.g. to read balances of an account with a long journal")
	fs.IntVar(&f.rate, "rate", 0, "open loop: start this many operations per second whatever the answers (0: closed loop, --workers operations in flight); latency counts from each operation's scheduled start")
	fs.StringVar(&f.adminID, "client-id", "", "platform admin client id; empty: $BILLD_ADMIN_CLIENT_ID")
	fs.StringVar(&f.secret, "client-secret", "", "platform admin secret; empty: $BILLD_ADMIN_CLIENT_SECRET (better than the flag, which other users see in ps)")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if err := applyConfig(fs, &configFlag{getenv: getenv}); err != nil { // BILLD_<FLAG>, as every command
		return err
	}
	f.adminID = cmp.Or(f.adminID, getenv("BILLD_ADMIN_CLIENT_ID"))
	f.secret = cmp.Or(f.secret, getenv("BILLD_ADMIN_CLIENT_SECRET"))
	durationSet := false
	fs.Visit(func(fl *flag.Flag) { durationSet = durationSet || fl.Name == "duration" })
	sc, ok := scenarios[f.scenario]
	switch {
	case !ok:
		return usageError{fmt.Sprintf("bench: unknown scenario %q", f.scenario)}
	case f.adminID == "" || f.secret == "":
		return usageError{"bench: a platform admin is needed to set up: --client-id and --client-secret"}
	case f.workers < 1 || f.duration <= 0 || f.warmup < 0 || f.operations < 0:
		return usageError{"bench: --workers must be ≥ 1, --duration > 0, --warmup and --operations ≥ 0"}
	case f.operations > 0 && durationSet:
		return usageError{"bench: give --duration or --operations, not both"}
	case f.ids != "v4" && f.ids != "v7":
		return usageError{"bench: --ids must be v4 or v7"}
	case transports[f.transport] == "":
		return usageError{fmt.Sprintf("bench: unknown transport %q: rest, connect-json, connect-proto or grpc", f.transport)}
	}
	conns := f.workers + 8
	if f.rate > 0 {
		conns = 1024 // an open loop: more connections than the server serves at once (--max-inflight)
	}
	admin := client.New(strings.TrimSuffix(f.target, "/"), f.adminID, f.secret, conns)
	announce(stdout, f, sc.accounts(f))
	fmt.Fprintf(stdout, "setting up scenario %s on %s ...\n", f.scenario, f.target)
	var w *benchWorld
	if f.account != "" {
		w, err = existingWorld(ctx, admin, f.account)
	} else {
		w, err = setupWorld(ctx, admin, sc.accounts(f))
	}
	if f.cleanup && w != nil {
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute) // also after an interrupt
			defer cancel()
			err = errors.Join(err, w.cleanup(ctx, admin, stdout))
		}()
	}
	if err == nil && f.spendLimits {
		err = armSpendLimits(ctx, admin, w)
	}
	if err == nil && f.autoRecharge {
		err = armRecharge(ctx, admin, w)
	}
	if err == nil && f.transport != "rest" {
		w.rpc, err = newRPCClient(f.transport, strings.TrimSuffix(f.target, "/"), w.meterID, w.secret, conns)
	}
	if err != nil {
		return fmt.Errorf("bench setup: %w", err)
	}
	if w.rpc != nil {
		defer w.rpc.close()
	}
	w.newID = billd.NewUUID
	if f.ids == "v7" {
		w.newID = billd.NewUUIDv7
	}
	if f.prefill > 0 {
		took, err := prefill(ctx, w, f.prefill)
		if err != nil {
			return fmt.Errorf("bench prefill: %w", err)
		}
		fmt.Fprintf(stdout, "prefilled %d usages per account in %s\n", f.prefill, took.Round(time.Second))
	}
	for _, a := range w.accounts[:min(len(w.accounts), 1)] {
		fmt.Fprintf(stdout, "account %s/%s\n", a.orgID, a.id)
	}
	rss := sampleRSS(f.pid)
	cpu := measureCPU(ctx, f.pid, time.Now().Add(f.warmup))
	run := runLoad
	if f.rate > 0 {
		run = runOpenLoop
	}
	r := run(ctx, w, sc, f)
	r.serverCPU = cpu()
	peak := rss()
	r.print(stdout, f, peak)
	return checkBooks(ctx, admin, w, stdout)
}

// announce says what the run writes into the target's store (organizations with their accounts, a
// client, usages), which stays there unless --cleanup.
func announce(out io.Writer, f benchFlags, orgs int) {
	what := fmt.Sprintf("%d organizations, each with a billing account funded with credits,", orgs)
	if f.account != "" {
		what = "usages into the existing account " + f.account + ","
	}
	fmt.Fprintf(out, "bench writes into the target's store: %s a meter client, and every usage it reports.\n", what)
	if f.cleanup {
		fmt.Fprintln(out, "--cleanup: at the end it closes the organizations it created (and their accounts) and revokes the client; the journal keeps its entries.")
	} else {
		fmt.Fprintln(out, "They stay there after the run: bench a throwaway store (scripts/bench.sh does), or pass --cleanup.")
	}
}

// result is what a run measured.
type result struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration // by operation; failed ones under "<op> failed"
	errors    map[string]int             // by kind, warmup included
	ops       int                        // measured requests sent
	usages    int                        // usages in measured requests that succeeded
	elapsed   time.Duration
	serverCPU time.Duration // CPU time the server used while measured, with --pid
}

// add records one request: its error, if any, and, if it started after the warmup, its latency,
// under the operation's name if it succeeded and under "<op> failed" if not (a refusal answered in
// microseconds must not flatter the latency of the work that was done).
func (r *result) add(op string, d time.Duration, usages int, err error, measured bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errors[errorKind(err)]++
	}
	if !measured {
		return
	}
	r.ops++
	if err != nil {
		op += " failed"
	} else {
		r.usages += usages
	}
	r.latencies[op] = append(r.latencies[op], d)
}

// notSent records an open-loop operation the bench could not start: it never reached the server.
func (r *result) notSent() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors[errNotSent]++
}

// errNotSent is the error kind of open-loop operations past maxOutstanding.
const errNotSent = "not sent: too many operations outstanding (this machine cannot offer the rate)"

// errorKind names the kind of a failed request: its status, code and message, or its transport
// failure.
func errorKind(err error) string {
	var e *client.Error
	if errors.As(err, &e) {
		return fmt.Sprintf("HTTP %d code %d: %s", e.Status, e.Code, e.Message)
	}
	if kind, ok := rpcErrorKind(err); ok {
		return kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "transport: " + err.Error()
}

// runLoad runs the scenario's operation in f.workers loops for the warmup, then for the duration
// or f.operations operations.
func runLoad(ctx context.Context, w *benchWorld, sc scenario, f benchFlags) *result {
	r := &result{latencies: map[string][]time.Duration{}, errors: map[string]int{}}
	start := time.Now()
	measureFrom, end := start.Add(f.warmup), start.Add(f.warmup+f.duration)
	var left atomic.Int64 // measured operations still to start, with --operations
	left.Store(int64(f.operations))
	var wg sync.WaitGroup
	for i := range f.workers {
		wg.Add(1)
		c, closeClient := workerClient(w, f.target)
		go func() {
			defer wg.Done()
			defer closeClient()
			rng := rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))
			for ctx.Err() == nil {
				t0 := time.Now()
				measured := !t0.Before(measureFrom)
				if f.operations == 0 && t0.After(end) || f.operations > 0 && measured && left.Add(-1) < 0 {
					return
				}
				sc.op(ctx, w, c, rng, f, func(op string, usages int, err error) {
					done := time.Now()
					r.add(op, done.Sub(t0), usages, err, measured)
					t0 = done
				})
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(measureFrom)
	return r
}

// maxOutstanding bounds the operations an open-loop run has started and not finished.
const maxOutstanding = 20000

// runOpenLoop starts f.rate operations per second for the warmup, then for the duration or until it
// started f.operations measured operations, each in its own goroutine, and measures each from the
// moment it was scheduled to start.
func runOpenLoop(ctx context.Context, w *benchWorld, sc scenario, f benchFlags) *result {
	r := &result{latencies: map[string][]time.Duration{}, errors: map[string]int{}}
	start := time.Now()
	measureFrom, end := start.Add(f.warmup), start.Add(f.warmup+f.duration)
	interval := time.Second / time.Duration(f.rate)
	var wg sync.WaitGroup
	outstanding := make(chan struct{}, maxOutstanding)
	started := 0 // measured operations, with --operations
	for i := 0; ctx.Err() == nil; i++ {
		due := start.Add(time.Duration(i) * interval)
		measured := !due.Before(measureFrom)
		if f.operations == 0 && due.After(end) || f.operations > 0 && measured && started == f.operations {
			break
		}
		if measured {
			started++
		}
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		select {
		case outstanding <- struct{}{}:
		default:
			r.notSent()
			continue
		}
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			defer func() { <-outstanding }()
			rng := rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))
			t0 := due
			sc.op(ctx, w, w.sharedClient(), rng, f, func(op string, usages int, err error) {
				done := time.Now()
				r.add(op, done.Sub(t0), usages, err, measured)
				t0 = done
			})
		}(i, due)
	}
	wg.Wait()
	r.elapsed = time.Since(measureFrom)
	return r
}

// print reports throughput, latency percentiles, errors and the server's peak memory.
func (r *result) print(out io.Writer, f benchFlags, peakRSS int64) {
	secs := r.elapsed.Seconds()
	load := fmt.Sprintf("%d workers", f.workers)
	if f.rate > 0 {
		load = fmt.Sprintf("open loop at %d operations/s", f.rate)
	}
	span := f.duration.String()
	if f.operations > 0 {
		span = fmt.Sprintf("%d operations in %s", f.operations, r.elapsed.Round(time.Millisecond))
	}
	fmt.Fprintf(out, "scenario %s: %s, %s measured (after %s warmup), %s usage ids\n", f.scenario, load, span, f.warmup, f.ids)
	fmt.Fprintf(out, "  transport: %s: %s\n", f.transport, transports[f.transport])
	fmt.Fprintf(out, "  requests: %d (%.0f/s)   usages applied: %d (%.0f/s)\n", r.ops, float64(r.ops)/secs, r.usages, float64(r.usages)/secs)
	ops := make([]string, 0, len(r.latencies))
	for op := range r.latencies {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	for _, op := range ops {
		l := r.latencies[op]
		slices.Sort(l)
		fmt.Fprintf(out, "  %-8s n=%-8d p50 %-9s p99 %-9s p99.9 %-9s max %s\n", op, len(l),
			pct(l, 0.50), pct(l, 0.99), pct(l, 0.999), l[len(l)-1].Round(time.Microsecond))
	}
	if len(r.errors) == 0 {
		fmt.Fprintln(out, "  errors: none")
	}
	for kind, n := range r.errors {
		fmt.Fprintf(out, "  errors: %d × %s\n", n, kind)
	}
	if peakRSS > 0 {
		fmt.Fprintf(out, "  server peak RSS during the run: %d MiB\n", peakRSS>>20)
	}
	if r.serverCPU > 0 && r.ops > 0 {
		perUsage := ""
		if r.usages > 0 {
			perUsage = fmt.Sprintf(", %.1f µs per usage applied", float64(r.serverCPU.Microseconds())/float64(r.usages))
		}
		fmt.Fprintf(out, "  server CPU: %.1f µs per request%s (%.2f cores)\n",
			float64(r.serverCPU.Microseconds())/float64(r.ops), perUsage, r.serverCPU.Seconds()/secs)
	}
}

// measureCPU reads the CPU time (user and system) process pid has used from the moment from until
// the returned function is called, which returns it (0 without a pid, where /proc has none, or
// when ctx ended before from).
func measureCPU(ctx context.Context, pid int, from time.Time) func() time.Duration {
	if pid <= 0 {
		return func() time.Duration { return 0 }
	}
	start := make(chan time.Duration, 1)
	go func() {
		wait := time.NewTimer(time.Until(from))
		defer wait.Stop()
		select {
		case <-wait.C:
			start <- procCPU(pid)
		case <-ctx.Done():
			start <- 0
		}
	}()
	return func() time.Duration {
		end := procCPU(pid)
		if begin := <-start; begin > 0 && end > begin {
			return end - begin
		}
		return 0
	}
}

// procCPU returns the CPU time a process has used, from /proc/PID/stat (utime and stime, in the
// clock ticks of 1/100 s that Linux reports them in), or 0.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses and may hold spaces: state is
	// field 3, utime 14 and stime 15.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func pct(sorted []time.Duration, p float64) string {
	i := int(float64(len(sorted)-1) * p)
	return sorted[i].Round(time.Microsecond).String()
}

// sampleRSS samples the resident memory of process pid every 50 ms until the returned function is
// called, which returns the peak in bytes (0 without a pid).
func sampleRSS(pid int) func() int64 {
	if pid <= 0 {
		return func() int64 { return 0 }
	}
	stop := make(chan struct{})
	var peak int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, readRSS(pid))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return peak
	}
}

// readRSS returns the resident memory of a process in bytes (VmRSS), from /proc/PID/statm, 0 if
// it is unknown.
func readRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b)) // size resident shared text lib data dt, in pages
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
