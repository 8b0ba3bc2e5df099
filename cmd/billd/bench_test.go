package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestBenchScenarios runs every `billd bench` scenario briefly against a real billd on both
// stores, closed and open loop, and checks that each one applied usage and found the books clean.
func TestBenchScenarios(t *testing.T) {
	procRequired(t)
	eachStore(t, func(t *testing.T, s *server) {
		for _, args := range [][]string{
			{"--scenario", "hot"},
			{"--scenario", "hot", "--ids", "v7", "--rate", "300"},
			{"--scenario", "spread", "--accounts", "20"},
			{"--scenario", "batch", "--batch", "50"},
			{"--scenario", "mixed"},
			{"--scenario", "revert"},
			{"--scenario", "read", "--prefill", "1500"},
		} {
			out, err := runBench(t, s, args...)
			if err != nil {
				t.Fatalf("bench %v: %v\n%s", args, err, out)
			}
			for _, want := range []string{"errors: none", " 0 mismatches", " 0 problems"} {
				if !strings.Contains(out, want) {
					t.Errorf("bench %v: no %q in its report:\n%s", args, want, out)
				}
			}
			if args[1] != "read" && strings.Contains(out, "usages applied: 0 ") {
				t.Errorf("bench %v applied no usage:\n%s", args, out)
			}
		}
	})
}

// runBench runs `billd bench` with 4 clients for a moment against s, as the known admin.
func runBench(t *testing.T, s *server, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"bench", "--target", s.url, "--clients", "4", "--duration", "300ms", "--warmup", "100ms"}, args...)
	err := run(t.Context(), args, func(k string) string { return adminEnv[k] }, strings.NewReader(""), &out, &errOut)
	return out.String() + errOut.String(), err
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
