package main

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/billd/billd/sqlstore/sqltest"
)

// TestBenchScenarios runs every `billd bench` scenario, as the built binary, against billd child
// processes on both stores, closed and open loop, each for a fixed number of operations, and checks
// that each sent them all, applied exactly the usage they carry, and found the books clean.
func TestBenchScenarios(t *testing.T) {
	procRequired(t)
	const ops = 200 // operations of each run
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			s := spawn(t, "billd[bench "+store+"]", sqltest.DSN(t, store), "")
			for _, c := range []struct {
				args             []string
				requests, usages int // exact, except mixed: usages 1..ops
			}{
				{[]string{"--scenario", "hot"}, ops, ops},
				{[]string{"--scenario", "hot", "--ids", "v7", "--rate", "300"}, ops, ops},
				{[]string{"--scenario", "spread", "--accounts", "20"}, ops, ops},
				{[]string{"--scenario", "batch", "--batch", "50"}, ops, 50 * ops},
				{[]string{"--scenario", "mixed"}, ops, -1},
				{[]string{"--scenario", "revert"}, 2 * ops, ops}, // each operation is a usage and its revert
				{[]string{"--scenario", "read", "--prefill", "1500"}, ops, 0},
			} {
				out, err := runBench(t, s, append(c.args, "--operations", strconv.Itoa(ops))...)
				if err != nil {
					t.Fatalf("bench %v: %v\n%s", c.args, err, out)
				}
				for _, want := range []string{"errors: none", " 0 mismatches", " 0 problems"} {
					if !strings.Contains(out, want) {
						t.Errorf("bench %v: no %q in its report:\n%s", c.args, want, out)
					}
				}
				requests, usages := benchCounts(t, out)
				if requests != c.requests || c.usages >= 0 && usages != c.usages || c.usages < 0 && (usages < 1 || usages > ops) {
					t.Errorf("bench %v sent %d requests and applied %d usages, want %d and %d (mixed: 1..%d)\n%s",
						c.args, requests, usages, c.requests, c.usages, ops, out)
				}
			}
		})
	}
}

// runBench runs the built `billd bench` with 4 clients and no warmup against s, as the known admin,
// and returns what it printed.
func runBench(t *testing.T, s *server, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(procBuild(t), append([]string{"bench", "--target", s.url, "--clients", "4", "--warmup", "0"}, args...)...)
	cmd.Env = childEnviron(adminEnv)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// benchCounts returns the requests and the applied usages a bench report counts.
func benchCounts(t *testing.T, report string) (requests, usages int) {
	t.Helper()
	m := regexp.MustCompile(`requests: (\d+) .* usages applied: (\d+) `).FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("no counts in the bench report:\n%s", report)
	}
	requests, _ = strconv.Atoi(m[1])
	usages, _ = strconv.Atoi(m[2])
	return requests, usages
}

// TestBenchBooksCatchMismatch checks that the books check fails when an account's balance is not
// what the run sent: a check that cannot fail proves nothing.
func TestBenchBooksCatchMismatch(t *testing.T) {
	s := startServer(t, "sqlite://"+t.TempDir()+"/billd.db")
	ctx := context.Background()
	asAdmin := s.goClient(admin, 4)
	w, err := setupWorld(ctx, asAdmin, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := checkBooks(ctx, asAdmin, w, &out); err != nil {
		t.Fatalf("fresh world: %v\n%s", err, out.String())
	}
	w.accounts[0].used++ // the run believes one more usage was applied than was
	out.Reset()
	if err := checkBooks(ctx, asAdmin, w, &out); err == nil || !strings.Contains(out.String(), "MISMATCH") {
		t.Fatalf("checkBooks = %v, want a mismatch\n%s", err, out.String())
	}
}
