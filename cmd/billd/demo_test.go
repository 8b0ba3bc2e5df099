package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestDemoSeed seeds a fresh store and reads it back through a service: two purchases through the
// sandbox, usage of several sources on each of the 30 days before now, three reverts, a balance of
// the purchases less the usage plus the reverts, and a clean ledger.
func TestDemoSeed(t *testing.T) {
	st := sqltest.Open(t, "sqlite")
	now := time.Date(2026, 11, 30, 15, 30, 0, 0, time.UTC)
	seed, err := seedDemo(context.Background(), st.DB, now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	svc := billd.NewService(billd.Config{Store: st.DB})
	defer svc.Close()
	ctx, as := context.Background(), billd.SystemPrincipal
	b, err := svc.Balance(ctx, as, seed.orgID, seed.accountID)
	if want := seed.purchased - seed.used + seed.reverted; err != nil || b.Amount != want || seed.purchased != 50000 || seed.reverted == 0 {
		t.Errorf("balance %d (%v), want %d: purchased %d, used %d, reverted %d", b.Amount, err, want, seed.purchased, seed.used, seed.reverted)
	}
	days, kinds, sources := map[string]bool{}, map[billd.TransferKind]int{}, map[string]bool{}
	for page := (billd.PageRequest{PageSize: 1000}); ; {
		p, _, err := svc.ListTransactions(ctx, as, billd.TransactionQuery{OrgID: seed.orgID, BillingID: seed.accountID, Page: page})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range p.Items {
			if tr.CreatedAt.After(now) || tr.CreatedAt.Before(now.Add(-demoDays*24*time.Hour-time.Hour)) {
				t.Errorf("transaction %s at %s: outside the month before %s", tr.ID, tr.CreatedAt, now)
			}
			days[tr.CreatedAt.Format(time.DateOnly)] = true
			kinds[tr.Kind]++
			sources[tr.Source] = true
		}
		if page.PageToken = p.NextPageToken; page.PageToken == "" {
			break
		}
	}
	if len(days) < demoDays || kinds[billd.KindUsage] != seed.usages || kinds[billd.KindRevert] != len(demoReverts) || kinds[billd.KindGrant]+len(kinds) < 3 {
		t.Errorf("transactions on %d days, of kinds %v; want %d days or more, %d usages and %d reverts", len(days), kinds, demoDays, seed.usages, len(demoReverts))
	}
	for _, src := range []string{"gpu-a100", "gpu-h100", "storage", "system.revert.gpu-h100"} {
		if !sources[src] {
			t.Errorf("no transaction of source %s; sources %v", src, sources)
		}
	}
	checkouts, err := svc.ListCheckouts(ctx, as, seed.orgID, seed.accountID, billd.PageRequest{})
	if err != nil || len(checkouts.Items) != len(demoPurchases) {
		t.Fatalf("checkouts %v, %v; want %d", checkouts.Items, err, len(demoPurchases))
	}
	for _, c := range checkouts.Items {
		if c.State != billd.CheckoutComplete {
			t.Errorf("checkout %s is %s, want complete (paid on the sandbox's page)", c.ID, c.State)
		}
	}
	if r, err := svc.VerifyLedger(ctx, as); err != nil || len(r.Problems) != 0 {
		t.Errorf("verify: %v, %v", r.Problems, err)
	}
	if seed.owner == nil || seed.admin == nil || seed.admin.Client.Role != billd.RoleAdmin || seed.owner.Client.OrgID != seed.orgID {
		t.Errorf("the owner %+v and the admin %+v", seed.owner, seed.admin)
	}
}

// TestDemoRefusesAStore checks that billd demo leaves a store that exists alone.
func TestDemoRefusesAStore(t *testing.T) {
	data := filepath.Dir(sqltest.Open(t, "sqlite").DSN)
	if _, _, err := cliRun(t, "demo", "--data", data, "--addr", "127.0.0.1:0"); !cliIsUsage(err) || !strings.Contains(err.Error(), "holds a store already") {
		t.Errorf("demo on a store: %v, want a usage error", err)
	}
}

// TestDemoProcess runs `billd demo` with the real binary on a new directory, reads what it prints,
// checks over the API with the printed owner's and admin's credentials the balance, a month of
// transactions and a revert, and stops it with SIGTERM.
func TestDemoProcess(t *testing.T) {
	bin := procBuild(t)
	data := filepath.Join(t.TempDir(), "demo")
	cmd := exec.Command(bin, "demo", "--data", data, "--addr", "127.0.0.1:0")
	cmd.Env = childEnviron(nil)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var printed []string
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "billd listening on ") {
		printed = append(printed, lines.Text())
	}
	out := strings.Join(printed, "\n")
	if lines.Err() != nil || !strings.Contains(out, "billd demo: ") {
		t.Fatalf("billd demo printed:\n%s\nstderr:\n%s", out, stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	base := cliField(t, out, "api")
	base, _, _ = strings.Cut(base, " ")
	if console := cliField(t, out, "console"); console != base+"/console/" || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("console %q, api %q", console, base)
	}
	s := &server{t: t, serving: &serving{name: "demo", url: base, http: &http.Client{Timeout: 30 * time.Second}}}
	orgID, accountID := cliField(t, out, "organization"), cliField(t, out, "billing account")
	w := &world{orgID: orgID, accountID: accountID}
	owner := creds{id: cliField(t, out, "owner client_id"), secret: cliField(t, out, "owner client_secret")}
	bearer := creds{key: cliField(t, out, "owner api_key")}
	adminCreds := creds{id: cliField(t, out, "admin client_id"), secret: cliField(t, out, "admin client_secret")}

	b := obj(t, s.ok(req{method: "GET", path: w.account("/balance"), as: &bearer}), "balance")
	if got := int64String(t, "balance", b["amount"]); got <= 0 || got >= 50000 {
		t.Errorf("balance %d, want some of the 50000 credits bought, not all", got)
	}
	items, _ := epPages(t, s, &owner, w.account("/transactions?page_size=1000"), "transactions")
	days, reverts := map[string]bool{}, 0
	for _, tr := range items {
		days[timestamp(t, "created_at", tr["created_at"]).Format(time.DateOnly)] = true
		if strings.HasPrefix(str(t, tr, "source"), "system.revert.") {
			reverts++
		}
	}
	if len(days) < demoDays || reverts == 0 {
		t.Errorf("%d transactions on %d days with %d reverts; want %d days or more, and reverts", len(items), len(days), reverts, demoDays)
	}
	if r := s.ok(req{method: "GET", path: "/v1beta1/admin/billing/verify", as: &adminCreds}); r["transfers"] == nil || len(r["problems"].([]any)) != 0 {
		t.Errorf("the ledger check as the printed admin: %v", r)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("billd demo after SIGTERM: %v\nstderr:\n%s", err, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(data, "billd.db")); err != nil {
		t.Errorf("the demo's store: %v", err)
	}
}

// TestDemoKeepsToItsStore checks that billd demo serves its sample store as it seeds it, whatever
// the operator's environment sets for billd serve: BILLD_PROVIDER=stripe without a key, or a
// BILLD_CONFIG that turns the console off, once made the demo fail after seeding or serve
// without its console.
func TestDemoKeepsToItsStore(t *testing.T) {
	data := filepath.Join(t.TempDir(), "demo")
	env := map[string]string{"BILLD_PROVIDER": "stripe", "BILLD_CONFIG": catalogWrite(t, "billd.yaml", "console: false\n")}
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	s := newServing(t, "demo", filepath.Join(data, "billd.db"), stderr.String, func() error { cancel(); return nil })
	go func() {
		s.exit(run(ctx, []string{"demo", "--data", data, "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] },
			strings.NewReader(""), s.out, stderr))
	}()
	s.waitListening()
	resp, err := s.http.Get(s.url + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the demo's console: %d, want 200", resp.StatusCode)
	}
}
