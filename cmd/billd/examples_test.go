package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// The examples of docs/api.md that are programs (examples/go, examples/ts) run against a live
// server as a metering service would run them: each reports a usage of 25 credits and must leave
// the balance and the journal showing it. They build or install code, so they are process-level
// tests (BILLD_PROCESS_TESTS=1).

// exampleReport matches the line both examples print.
var exampleReport = regexp.MustCompile(`usage ([0-9a-f-]{36}): balance (\d+) -> (\d+)`)

// TestExampleGoReportUsage runs examples/go/report-usage (the Go client) with go run.
func TestExampleGoReportUsage(t *testing.T) {
	procRequired(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	runExample(t, "../..", goTool, "run", "./examples/go/report-usage", "-amount", "25", "-source", "gpu")
}

// TestExampleTSReportUsage type-checks examples/ts and runs it (Connect over HTTP/1.1, the code
// protoc-gen-es generated from proto/) with tsx. Without node or examples/ts/node_modules it is
// skipped, except under CI=true (.ci/run installs them).
func TestExampleTSReportUsage(t *testing.T) {
	procRequired(t)
	if _, err := exec.LookPath("node"); err != nil {
		missingTool(t, fmt.Sprintf("node is not installed: %v", err))
	}
	dir := filepath.Join("..", "..", "examples", "ts")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", "tsx")); err != nil {
		missingTool(t, "examples/ts is not installed: run npm ci --prefix examples/ts")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tsc := exec.CommandContext(ctx, filepath.Join("node_modules", ".bin", "tsc"), "-p", ".")
	tsc.Dir = dir
	if out, err := tsc.CombinedOutput(); err != nil {
		t.Fatalf("examples/ts does not type-check: %v\n%s", err, out)
	}
	runExample(t, dir, filepath.Join("node_modules", ".bin", "tsx"), "report-usage.ts", "25", "gpu")
}

// runExample runs an example's command in dir against a billd on SQLite whose account holds 1000
// credits, with the guide's variables, and checks that it debited 25 credits once, as a gpu usage.
func runExample(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	s := startServer(t, sqltest.MigratedDSN(t, "sqlite"))
	w := newWorld(t, s, 1000)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = childEnviron(map[string]string{"BILLD": s.url, "METER_ID": w.meter.id,
		"METER_SECRET": w.meter.secret, "ORG": w.orgID, "ACC": w.accountID})
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	m := exampleReport.FindStringSubmatch(string(out))
	if m == nil || m[2] != "1000" || m[3] != "975" {
		t.Fatalf("the example printed no usage of 1000 -> 975:\n%s", out)
	}
	if got := w.balance(t, s); got != 975 {
		t.Errorf("balance %d after the example, want 975", got)
	}
	page := s.ok(req{method: "GET", path: w.account("/transactions")})
	newest := page["transactions"].([]any)[0].(map[string]any)
	if newest["source"] != "gpu" || newest["amount"] != "25" || newest["type"] != "debit" {
		t.Errorf("the newest transaction is not the example's usage: %v", newest)
	}
}

// missingTool skips t because a program it needs is missing, or fails it under CI=true, where
// .ci/run installs everything the tests need.
func missingTool(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (under CI=true this test may not be skipped; .ci/run installs it)", msg)
	}
	t.Skip(msg)
}

// TestExampleGoWebhookReceiver builds examples/go/webhook-receiver, registers it as a webhook of
// an organization, and has billd refuse a usage beyond the balance: the receiver must print the
// usage.rejected event it verified, refuse a forged delivery, and billd's log call the delivery
// delivered. The verify function docs/api.md shows must be the receiver's own.
func TestExampleGoWebhookReceiver(t *testing.T) {
	procRequired(t)
	src, err := os.ReadFile("../../examples/go/webhook-receiver/main.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, fn, _ := strings.Cut(string(src), "\nfunc verify(")
	fn, _, _ = strings.Cut(fn, "\n}\n")
	if fn == "" || !strings.Contains(string(doc), "```go\nfunc verify("+fn+"\n}\n```") {
		t.Fatal("docs/api.md's verify function is not the one of examples/go/webhook-receiver")
	}

	s := serveWith(t, sqltest.MigratedDSN(t, "sqlite"), adminEnv, "--webhooks-allow-private")
	w := newWorld(t, s, 100)
	url := fmt.Sprintf("http://127.0.0.1:%d/billd", opsFreePort(t))
	hook, err := s.goClient(admin, 1).CreateWebhook(t.Context(), w.orgID, url, "usage.rejected")
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/billd")
	out := startReceiverExample(t, addr, hook.Secret)
	eventually(t, "the receiver to listen", func() error {
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"id":"forged"}`))
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("a forged delivery answered %d, want 401", resp.StatusCode)
		}
		return nil
	})

	resp := s.do(req{method: "POST", path: w.account("/usages"), as: &w.meter,
		body: map[string]any{"usages": []any{map[string]any{"id": billd.NewUUID(), "amount": 500, "source": "gpu"}}}})
	if resp.status != http.StatusBadRequest {
		t.Fatalf("a usage beyond the balance answered %d, want 400", resp.status)
	}
	eventually(t, "the receiver to print the event", func() error {
		if !strings.Contains(out.String(), "usage.rejected ") || !strings.Contains(out.String(), "account "+w.accountID) {
			return errNotYet
		}
		return nil
	})
	eventually(t, "billd to log the delivery as delivered", func() error { // once it has stored the answer
		deliveries, err := s.goClient(admin, 1).WebhookDeliveries(t.Context(), w.orgID, hook.ID)
		if err != nil || len(deliveries) != 1 || deliveries[0].State != "delivered" {
			return fmt.Errorf("deliveries %+v, %v: want one, delivered", deliveries, err)
		}
		return nil
	})
}

// startReceiverExample builds and starts examples/go/webhook-receiver on addr with the secret,
// stopped when the test ends, and returns its standard output.
func startReceiverExample(t *testing.T, addr, secret string) *syncBuffer {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "webhook-receiver")
	build := exec.Command("go", "build", "-o", bin, "./examples/go/webhook-receiver")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := &syncBuffer{}
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Env = childEnviron(map[string]string{"WEBHOOK_SECRET": secret})
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return out
}
