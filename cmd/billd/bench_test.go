package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/client"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestBenchScenarios runs every `billd bench` scenario, as the built binary, against billd child
// processes on both stores, closed and open loop, each for a fixed number of operations, and checks
// that each said it writes into the store, sent every operation, applied exactly the usage they
// carry, and found the books clean; and that --cleanup closes what its run created. The hot
// scenario runs on every transport, the others that send balance reads and reverts on an RPC one
// too; a run over an RPC transport must have sent each measured request as an RPC (the server's
// access log counts them).
func TestBenchScenarios(t *testing.T) {
	procRequired(t)
	const ops = 200 // operations of each run
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			s := spawn(t, "billd[bench "+store+"]", sqltest.DSN(t, store), "")
			for _, c := range []struct {
				args             []string
				requests, usages int  // exact, except mixed: usages 1..ops
				cleanup          bool // the run leaves the open organizations and clients as they were
			}{
				{[]string{"--scenario", "hot"}, ops, ops, false},
				{[]string{"--scenario", "hot", "--transport", "rest"}, ops, ops, false},
				{[]string{"--scenario", "hot", "--transport", "connect-json"}, ops, ops, false},
				{[]string{"--scenario", "hot", "--transport", "connect-proto"}, ops, ops, false},
				{[]string{"--scenario", "hot", "--transport", "grpc"}, ops, ops, false},
				{[]string{"--scenario", "hot", "--transport", "grpc", "--rate", "300"}, ops, ops, false},
				{[]string{"--scenario", "mixed", "--transport", "connect-json"}, ops, -1, false},
				{[]string{"--scenario", "revert", "--transport", "connect-proto"}, 2 * ops, ops, false},
				{[]string{"--scenario", "revert", "--transport", "grpc"}, 2 * ops, ops, false},
				{[]string{"--scenario", "hot", "--ids", "v7", "--rate", "300"}, ops, ops, false},
				{[]string{"--scenario", "spread", "--accounts", "20"}, ops, ops, false},
				{[]string{"--scenario", "batch", "--batch", "50"}, ops, 50 * ops, false},
				{[]string{"--scenario", "mixed"}, ops, -1, false},
				{[]string{"--scenario", "revert"}, 2 * ops, ops, false}, // each operation is a usage and its revert
				{[]string{"--scenario", "read", "--prefill", "1500"}, ops, 0, false},
				{[]string{"--scenario", "spread", "--accounts", "20", "--cleanup"}, ops, ops, true},
			} {
				before, rpcsBefore := benchStoreObjects(t, s), benchRPCs(s)
				out, err := runBench(t, s, append(c.args, "--operations", strconv.Itoa(ops))...)
				if err != nil {
					t.Fatalf("bench %v: %v\n%s", c.args, err, out)
				}
				if after := benchStoreObjects(t, s); c.cleanup && after != before {
					t.Errorf("bench %v left objects behind:\nbefore: %s\nafter:  %s", c.args, before, after)
				}
				for _, want := range []string{"bench writes into the target's store", "errors: none", " 0 mismatches", " 0 problems"} {
					if !strings.Contains(out, want) {
						t.Errorf("bench %v: no %q in its report:\n%s", c.args, want, out)
					}
				}
				requests, usages := benchCounts(t, out)
				if requests != c.requests || c.usages >= 0 && usages != c.usages || c.usages < 0 && (usages < 1 || usages > ops) {
					t.Errorf("bench %v sent %d requests and applied %d usages, want %d and %d (mixed: 1..%d)\n%s",
						c.args, requests, usages, c.requests, c.usages, ops, out)
				}
				transport := benchTransport(c.args)
				if !strings.Contains(out, "transport: "+transport+": ") {
					t.Errorf("bench %v: its report does not say it ran over %s:\n%s", c.args, transport, out)
				}
				if transport != "rest" {
					eventually(t, fmt.Sprintf("bench %v: %d RPCs in the server's access log", c.args, requests), func() error {
						if n := benchRPCs(s) - rpcsBefore; n != requests {
							return fmt.Errorf("%d RPCs logged", n)
						}
						return nil
					})
				}
			}
		})
	}
}

// TestBenchScriptDropsItsDatabase runs scripts/bench.sh on PostgreSQL, once to the end and once
// with a bench that fails, and checks that each time the database it created is gone afterwards.
func TestBenchScriptDropsItsDatabase(t *testing.T) {
	bin := procBuild(t)
	sqltest.RequirePostgres(t)
	sqltest.AcquireSlot(t) // the script's database and server count against the machine's test connections
	server, err := url.Parse(sqltest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	server.Path = ""
	database := "billd_bench_test_" + strings.ReplaceAll(billd.NewUUID(), "-", "")[:12]
	for _, c := range []struct {
		bench []string
		ok    bool
	}{
		{[]string{"--scenario", "hot", "--workers", "2", "--operations", "20", "--warmup", "0"}, true},
		{[]string{"--scenario", "no-such-scenario"}, false},
	} {
		cmd := exec.Command("bash", append([]string{"../../scripts/bench.sh", "postgres",
			"--db-conns", strconv.Itoa(sqltest.MaxConns), "--"}, c.bench...)...)
		cmd.Env = append(childEnviron(nil), "BILLD_BIN="+bin, "BENCH_POSTGRES="+server.String(), "BENCH_DATABASE="+database)
		out, err := cmd.CombinedOutput()
		created := strings.Contains(string(out), "created the database "+database+" ")
		if (err == nil) != c.ok || !created || c.ok && !strings.Contains(string(out), " 0 mismatches") {
			t.Errorf("bench.sh postgres %v: %v, want success %v and the database %s created\n%s", c.bench, err, c.ok, database, out)
		}
		if benchDatabaseExists(t, database) {
			t.Errorf("bench.sh postgres %v left its database %s behind\n%s", c.bench, database, out)
		}
	}
}

// benchDatabaseExists reports whether the PostgreSQL test server has the database.
func benchDatabaseExists(t *testing.T, name string) bool {
	t.Helper()
	db, err := sql.Open("pgx", sqltest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// runBench runs the built `billd bench` with 4 clients and no warmup against s, as the known admin,
// and returns what it printed.
func runBench(t *testing.T, s *server, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(procBuild(t), append([]string{"bench", "--target", s.url, "--workers", "4", "--warmup", "0"}, args...)...)
	cmd.Env = childEnviron(adminEnv)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// benchStoreObjects returns the ids of the open organizations and clients of s.
func benchStoreObjects(t *testing.T, s *server) string {
	t.Helper()
	orgs, _ := epList(t, s.ok(req{method: "GET", path: "/v1beta1/organizations?page_size=1000"}), "organizations")
	clients, _ := epList(t, s.ok(req{method: "GET", path: "/v1beta1/admin/clients?page_size=1000"}), "clients")
	return fmt.Sprintf("organizations %v, clients %v", epIDs(orgs), epIDs(clients))
}

// benchRPCs counts the requests to billd's RPC services in the access log of s.
func benchRPCs(s *server) int {
	return strings.Count(s.log(), " route=/raystack.frontier.v1beta1.")
}

// benchTransport returns the --transport of bench arguments (rest if none).
func benchTransport(args []string) string {
	for i, a := range args[:max(len(args)-1, 0)] {
		if a == "--transport" {
			return args[i+1]
		}
	}
	return "rest"
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

// TestBenchErrorsOnEveryTransport drives an account without credits on every transport and checks
// that each run counts every refused usage under one error kind with its code and message, latency
// under "usage failed", no usage applied, and books that balance.
func TestBenchErrorsOnEveryTransport(t *testing.T) {
	procRequired(t)
	const ops = 50
	s := spawn(t, "billd[bench errors]", sqltest.DSN(t, "sqlite"), "")
	w := newWorld(t, s, 0)
	for transport, kind := range map[string]string{
		"rest":          "HTTP 400 code 3: insufficient credits",
		"connect-json":  "RPC code 3 (invalid_argument): insufficient credits",
		"connect-proto": "RPC code 3 (invalid_argument): insufficient credits",
		"grpc":          "RPC code 3 (invalid_argument): insufficient credits",
	} {
		out, err := runBench(t, s, "--scenario", "hot", "--transport", transport, "--account", w.orgID+"/"+w.accountID,
			"--operations", strconv.Itoa(ops))
		if err != nil {
			t.Fatalf("bench over %s: %v\n%s", transport, err, out)
		}
		for _, want := range []string{fmt.Sprintf("errors: %d × %s\n", ops, kind), fmt.Sprintf("usage failed n=%d ", ops), " 0 mismatches", " 0 problems"} {
			if !strings.Contains(out, want) {
				t.Errorf("bench over %s: no %q in its report:\n%s", transport, want, out)
			}
		}
		if requests, usages := benchCounts(t, out); requests != ops || usages != 0 {
			t.Errorf("bench over %s sent %d requests and applied %d usages, want %d and 0\n%s", transport, requests, usages, ops, out)
		}
	}
}

// TestBenchRPCOutcomes checks, on each RPC transport, how the bench reads the answers of a real
// server: a usage applied, its replay refused as a duplicate (known, not applied, 409 as on REST,
// named by its code), a revert with its key (its replay 409, which settle counts as applied
// before) and balance reads; and a server that does not answer (outcome unknown, a transport
// error).
func TestBenchRPCOutcomes(t *testing.T) {
	s := startServer(t, "sqlite://"+t.TempDir()+"/billd.db")
	ctx := context.Background()
	w, err := setupWorld(ctx, s.goClient(admin, 4), 1)
	if err != nil {
		t.Fatal(err)
	}
	w.newID = billd.NewUUID
	a := w.accounts[0]
	for _, transport := range []string{"connect-json", "connect-proto", "grpc"} {
		t.Run(transport, func(t *testing.T) {
			c, err := newRPCClient(transport, s.url, w.meterID, w.secret, 4)
			if err != nil {
				t.Fatal(err)
			}
			defer c.close()
			u := []client.Usage{{ID: billd.NewUUID(), Amount: 10, Source: "bench"}}
			if err := c.ReportUsage(ctx, a.orgID, a.id, u); err != nil {
				t.Fatalf("usage: %v", err)
			}
			err = c.ReportUsage(ctx, a.orgID, a.id, u)
			status, answered := answerStatus(err)
			applied, known := outcome(err)
			if !answered || status != 409 || applied || !known || errorKind(err) != "RPC code 6 (already_exists): credits already applied" {
				t.Errorf("the usage again: %v: status %d (answered %v), applied %v, known %v, kind %q; want a known refusal, 409",
					err, status, answered, applied, known, errorKind(err))
			}
			before, err := c.Balance(ctx, a.orgID, a.id)
			if err != nil {
				t.Fatalf("balance: %v", err)
			}
			key := billd.NewUUID()
			if err := c.RevertUsage(ctx, a.orgID, u[0].ID, 3, key); err != nil {
				t.Fatalf("revert: %v", err)
			}
			err = c.RevertUsage(ctx, a.orgID, u[0].ID, 3, key) // the key again: the server says it was applied before
			if status, answered := answerStatus(err); !answered || status != 409 {
				t.Errorf("the revert again: %v: status %d (answered %v), want 409", err, status, answered)
			}
			if after, err := c.Balance(ctx, a.orgID, a.id); err != nil || after != before+3 {
				t.Errorf("balance after the revert: %d, %v; want %d", after, err, before+3)
			}
			gone, err := newRPCClient(transport, "http://127.0.0.1:1", w.meterID, w.secret, 1) // nothing listens on port 1
			if err != nil {
				t.Fatal(err)
			}
			err = gone.ReportUsage(ctx, a.orgID, a.id, w.usages(1))
			if applied, known := outcome(err); err == nil || applied || known || !strings.HasPrefix(errorKind(err), "transport: ") {
				t.Errorf("no server: %v: applied %v, known %v, kind %q; want an unknown outcome, a transport error", err, applied, known, errorKind(err))
			}
		})
	}
}
