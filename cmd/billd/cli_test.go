package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// The CLI tests call run directly, as main does, on fresh stores.

// cliRun runs billd with args and an empty environment and returns what it printed.
func cliRun(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--db" && strings.HasPrefix(args[i+1], "postgres") { // a pool within the test's slot
			args = slices.Concat(args[:i+2], []string{"--db-conns", strconv.Itoa(sqltest.MaxConns)}, args[i+2:])
			break
		}
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// cliField returns the value of the "name: value" line of out.
func cliField(t *testing.T, out, name string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return strings.TrimSpace(rest)
		}
	}
	t.Fatalf("no %q line in:\n%s", name, out)
	return ""
}

// cliIsUsage reports whether err is a usage error.
func cliIsUsage(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

func TestCLIClients(t *testing.T) {
	dsn := sqltest.Open(t, "sqlite").DSN // the tools work on a store that exists
	out, _, err := cliRun(t, "clients", "create", "--role", "meter", "--name", "metering", "--db", dsn)
	if err != nil {
		t.Fatalf("clients create: %v", err)
	}
	meterID, meterSecret, meterKey := cliField(t, out, "client_id"), cliField(t, out, "client_secret"), cliField(t, out, "api_key")
	if !billd.IsUUID(meterID) || len(meterSecret) < 16 || !strings.HasPrefix(meterKey, "billd_") {
		t.Errorf("clients create printed %q", out)
	}
	out, _, err = cliRun(t, "clients", "create", "--role", "admin", "--db", dsn)
	if err != nil {
		t.Fatalf("clients create --role admin: %v", err)
	}
	adminClient := creds{id: cliField(t, out, "client_id"), secret: cliField(t, out, "client_secret")}
	adminBearer := creds{key: cliField(t, out, "api_key")}

	out, _, err = cliRun(t, "clients", "list", "--db", dsn)
	if err != nil {
		t.Fatalf("clients list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "ROLE") {
		t.Fatalf("clients list printed:\n%s", out)
	}
	if f := strings.Fields(lines[1]); len(f) < 5 || f[0] != meterID || f[1] != "meter" || f[2] != "-" || f[3] != "metering" {
		t.Errorf("clients list row %q", lines[1])
	}
	if f := strings.Fields(lines[2]); len(f) < 5 || f[0] != adminClient.id || f[1] != "admin" || f[3] != "admin" {
		t.Errorf("clients list row %q", lines[2])
	}
	if strings.Contains(out, meterSecret) || strings.Contains(out, meterKey) {
		t.Errorf("clients list shows a secret:\n%s", out)
	}

	// The printed credentials work over HTTP.
	// The CLI revokes through its own process; with the server's credential cache off the
	// revocation shows at once (with it on, within --auth-cache-ttl: see TestAuthCache).
	s := serveWith(t, dsn, adminEnv, "--auth-cache-ttl=0")
	w := newWorld(t, s, 100)
	for _, as := range []creds{{id: meterID, secret: meterSecret}, {key: meterKey}} {
		s.ok(req{method: "POST", path: w.account("/usages"), as: &as, body: epUsages(epUsage(billd.NewUUID(), 1))})
	}
	for _, as := range []creds{adminClient, adminBearer} {
		s.ok(req{method: "GET", path: "/v1beta1/organizations", as: &as})
	}

	// An organization client, and the list of one organization.
	out, _, err = cliRun(t, "clients", "create", "--role", "owner", "--org", w.orgID, "--db", dsn)
	if err != nil {
		t.Fatalf("clients create --role owner --org: %v", err)
	}
	ownerID := cliField(t, out, "client_id")
	s.ok(req{method: "GET", path: w.account(""), as: &creds{key: cliField(t, out, "api_key")}})
	out, _, err = cliRun(t, "clients", "list", "--org", w.orgID, "--db", dsn)
	if err != nil || !strings.Contains(out, ownerID) || strings.Contains(out, meterID) || !strings.Contains(out, w.orgID) {
		t.Errorf("clients list --org: %v\n%s", err, out)
	}

	// Revoke: the client's credentials stop working and it leaves the list.
	if out, _, err := cliRun(t, "clients", "revoke", "--db", dsn, meterID); err != nil || out != "revoked client "+meterID+"\n" {
		t.Fatalf("clients revoke: %v, printed %q", err, out)
	}
	s.fails(req{method: "GET", path: w.account("/balance"), as: &creds{key: meterKey}}, http.StatusUnauthorized, 16, "invalid credentials")
	out, _, _ = cliRun(t, "clients", "list", "--db", dsn)
	if strings.Contains(out, meterID) {
		t.Errorf("a revoked client is listed:\n%s", out)
	}
	if _, _, err := cliRun(t, "clients", "revoke", "--db", dsn, meterID); err == nil || cliIsUsage(err) || billd.ErrorCode(err) != billd.ENOTFOUND {
		t.Errorf("revoking a revoked client: %v, want a not-found error", err)
	}

	// Mistakes.
	_, _, err = cliRun(t, "clients", "create", "--db", dsn)
	if !cliIsUsage(err) || !strings.Contains(err.Error(), "--role is required") {
		t.Errorf("clients create without --role: %v, want a usage error", err)
	}
	_, _, err = cliRun(t, "clients", "create", "--role", "owner", "--db", dsn)
	if err == nil || cliIsUsage(err) || billd.ErrorCode(err) != billd.EINVALID {
		t.Errorf("clients create --role owner without --org: %v, want an invalid error", err)
	}
	_, _, err = cliRun(t, "clients", "create", "--role", "member", "--org", billd.NewUUID(), "--db", dsn)
	if billd.ErrorCode(err) != billd.ENOTFOUND {
		t.Errorf("clients create for an unknown organization: %v", err)
	}
	for _, args := range [][]string{{"clients"}, {"clients", "frob", "--db", dsn}, {"clients", "revoke", "--db", dsn}, {"clients", "revoke", "--db", dsn, "a", "b"}} {
		if _, _, err := cliRun(t, args...); !cliIsUsage(err) {
			t.Errorf("billd %v: %v, want a usage error", args, err)
		}
	}
	if _, _, err := cliRun(t, "clients", "list", "--no-such-flag"); err == nil {
		t.Errorf("an unknown flag is accepted")
	}
	if _, _, err := cliRun(t, "clients", "list", "--db", dsn, "--log-level", "loud"); !cliIsUsage(err) {
		t.Errorf("--log-level loud: %v, want a usage error", err)
	}
}

func TestCLIVerify(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := sqltest.Open(t, name)
			dsn := store.DSN
			out, _, err := cliRun(t, "verify", "--db", dsn)
			if err != nil || !strings.Contains(out, "checked 0 accounts and 0 transfers: 0 problems") || strings.Contains(out, "DRIFT") {
				t.Fatalf("verify on a fresh store: %v\n%s", err, out)
			}

			s := startServer(t, dsn)
			w := newWorld(t, s, 1000)
			usage := billd.NewUUID()
			w.use(t, s, usage, 300)
			s.ok(req{method: "POST", path: "/v1beta1/organizations/billing/usages/revert", as: &w.meter,
				body: map[string]any{"org_id": w.orgID, "usage_id": usage, "amount": 100}})
			other := newWorld(t, s, 0)
			out, _, err = cliRun(t, "verify", "--db", dsn)
			if err != nil || !strings.Contains(out, "checked 2 accounts and 3 transfers: 0 problems") || strings.Contains(out, "DRIFT") {
				t.Fatalf("verify on a clean store: %v\n%s", err, out)
			}

			if err := store.DB.ExecRaw(context.Background(), "UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE NOT platform"); err != nil {
				t.Fatal(err)
			}
			out, _, err = cliRun(t, "verify", "--db", dsn)
			if err == nil || cliIsUsage(err) {
				t.Errorf("verify after tampering returned %v, want an error", err)
			}
			for _, want := range []string{
				"DRIFT account=" + w.accountID,
				"stored debits 300 credits 1101, journal debits 300 credits 1100",
				"DRIFT account=" + other.accountID,
				"2 problems",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("verify after tampering printed no %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestCLICommands(t *testing.T) {
	out, errOut, err := cliRun(t)
	if !cliIsUsage(err) || !strings.Contains(errOut, "usage: billd") || out != "" {
		t.Errorf("no command: %v, stdout %q, stderr %q", err, out, errOut)
	}
	out, errOut, err = cliRun(t, "frobnicate")
	if !cliIsUsage(err) || !strings.Contains(err.Error(), `unknown command "frobnicate"`) || !strings.Contains(errOut, "usage: billd") || out != "" {
		t.Errorf("unknown command: %v, stdout %q, stderr %q", err, out, errOut)
	}
	out, _, err = cliRun(t, "version")
	if err != nil || !strings.HasPrefix(out, "billd ") {
		t.Errorf("version: %v, %q", err, out)
	}
	for _, help := range []string{"help", "-h", "--help"} {
		out, _, err = cliRun(t, help)
		if err != nil || !strings.Contains(out, "usage: billd") || !strings.Contains(out, "verify") {
			t.Errorf("%s: %v, %q", help, err, out)
		}
	}
	if _, _, err := cliRun(t, "serve", "--no-such-flag"); err == nil {
		t.Errorf("serve accepts an unknown flag")
	}
	if _, _, err := cliRun(t, "verify", "--log-level", "loud", "--db", sqltest.DSN(t, "sqlite")); !cliIsUsage(err) {
		t.Errorf("verify --log-level loud: %v, want a usage error", err)
	}
	// A bootstrap admin secret from the environment that is too short stops serve before it listens.
	var stdout, stderr bytes.Buffer
	env := map[string]string{"BILLD_ADMIN_CLIENT_ID": "ops", "BILLD_ADMIN_CLIENT_SECRET": "short"}
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", sqltest.DSN(t, "sqlite")},
		func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "at least 16 characters") || strings.Contains(stdout.String(), "listening") {
		t.Errorf("serve with a short admin secret: %v, stdout %q", err, stdout.String())
	}
}

func TestCLIServeGeneratesAdmin(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dsn := sqltest.DSN(t, name)
			first := serveWith(t, dsn, nil)
			banner := strings.Join(first.banner, "\n")
			if !strings.Contains(banner, "created the platform admin client") {
				t.Fatalf("the first start printed no generated admin: %q", first.banner)
			}
			id, secret, key := cliField(t, banner, "client_id"), cliField(t, banner, "client_secret"), cliField(t, banner, "api_key")
			basicCreds, bearerCreds := creds{id: id, secret: secret}, creds{key: key}
			if !billd.IsUUID(id) || secret == "" || !strings.HasPrefix(key, "billd_") {
				t.Fatalf("generated admin: %q", banner)
			}
			// The printed credentials are a platform admin's.
			first.ok(req{method: "POST", path: "/v1beta1/organizations", as: &basicCreds, body: map[string]any{"name": "first-start"}})
			first.ok(req{method: "GET", path: "/v1beta1/organizations/first-start", as: &bearerCreds})
			first.fails(req{method: "GET", path: "/v1beta1/organizations", as: &creds{id: id, secret: key}}, http.StatusUnauthorized, 16, "invalid credentials")
			list, _ := epList(t, first.ok(req{method: "GET", path: "/v1beta1/admin/clients", as: &bearerCreds}), "clients")
			if ids := epIDs(list); len(ids) != 1 || ids[0] != id || list[0]["role"] != "admin" || list[0]["org_id"] != "" {
				t.Errorf("clients after the first start = %v", list)
			}
			if err := first.stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}

			// The second start finds an admin and prints none; the first one still works.
			second := serveWith(t, dsn, nil)
			if len(second.banner) != 0 {
				t.Errorf("the second start printed %q", second.banner)
			}
			second.ok(req{method: "GET", path: "/v1beta1/organizations/first-start", as: &basicCreds})
			second.ok(req{method: "GET", path: "/v1beta1/organizations/first-start", as: &bearerCreds})
			if err := second.stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}

			// An admin from the environment is created silently, next to the generated one.
			third := serveWith(t, dsn, map[string]string{"BILLD_ADMIN_CLIENT_ID": "ops", "BILLD_ADMIN_CLIENT_SECRET": "ops-secret-0123456789"})
			if len(third.banner) != 0 {
				t.Errorf("a start with an admin from the environment printed %q", third.banner)
			}
			third.ok(req{method: "GET", path: "/v1beta1/organizations", as: &creds{id: "ops", secret: "ops-secret-0123456789"}})
			third.ok(req{method: "GET", path: "/v1beta1/organizations", as: &bearerCreds})
		})
	}
}

// serve refuses recharge and purge settings that make no sense, before it serves.
func TestServeRefusesBadControlsFlags(t *testing.T) {
	dsn := sqltest.DSN(t, "sqlite")
	for _, flags := range [][]string{{"--recharge-cooldown", "-1s"}, {"--recharge-monthly-cap", "0"},
		{"--recharge-attempts", "0"}, {"--recharge-backoff", "0s"}, {"--purge-after", "0s"}} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dsn}, flags...)
		if _, _, err := cliRun(t, args...); !cliIsUsage(err) || !strings.Contains(err.Error(), "--recharge-cooldown must not be negative") {
			t.Errorf("serve %v = %v, want a usage error", flags, err)
		}
	}
}
