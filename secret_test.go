package billd_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// storedClient reads a client's row as the store keeps it.
func storedClient(t *testing.T, f *fixture, id string) *billd.APIClient {
	t.Helper()
	var c *billd.APIClient
	err := f.db.View(context.Background(), func(tx billd.Tx) (err error) {
		c, err = tx.Client(context.Background(), id)
		return err
	})
	must(t, err)
	return c
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestChosenSecretsAreStoredSalted checks that the secret and API key a person chooses for the
// platform admin are stored under a salted, slow digest (two admins with one password get two
// different digests, neither a bare SHA-256), still authenticate, and that generated secrets keep
// their fast digest.
func TestChosenSecretsAreStoredSalted(t *testing.T) {
	f := newFixture(t, sqltest.Open(t, "sqlite"))
	ctx := t.Context()
	const password, key = "correct-horse-battery", "my-own-admin-api-key"
	_, err := f.svc.BootstrapAdmin(ctx, "ops", password, key)
	must(t, err)
	_, err = f.svc.BootstrapAdmin(ctx, "ops2", password, "")
	must(t, err)

	ops, ops2 := storedClient(t, f, "ops"), storedClient(t, f, "ops2")
	for _, digest := range []string{ops.SecretHash, ops.APIKeyHash, ops2.SecretHash} {
		if !strings.HasPrefix(digest, "pbkdf2-sha256$") || strings.Contains(digest, password) || strings.Contains(digest, key) {
			t.Errorf("chosen secret stored as %q, want a pbkdf2-sha256 digest", digest)
		}
	}
	if ops.SecretHash == ops2.SecretHash {
		t.Error("one password gave two admins the same digest: the digest is not salted")
	}

	for _, cred := range []billd.Credentials{{ClientID: "ops", Secret: password}, {APIKey: key}, {ClientID: "ops2", Secret: password}} {
		p, err := f.svc.Authenticate(ctx, cred)
		if err != nil || p.Role != billd.RoleAdmin {
			t.Errorf("authenticate %+v: %+v, %v", cred, p, err)
		}
	}
	for _, cred := range []billd.Credentials{{ClientID: "ops", Secret: password + "!"}, {APIKey: key + "!"}, {APIKey: "billd_unknown"}} {
		if _, err := f.svc.Authenticate(ctx, cred); billd.ErrorCode(err) != billd.EUNAUTHORIZED {
			t.Errorf("authenticate %+v: %v, want EUNAUTHORIZED", cred, err)
		}
	}

	// Restarting with the same environment keeps the digests, so that nodes agree.
	_, err = f.svc.BootstrapAdmin(ctx, "ops", password, key)
	must(t, err)
	if again := storedClient(t, f, "ops"); again.SecretHash != ops.SecretHash || again.APIKeyHash != ops.APIKeyHash {
		t.Error("a restart with the same environment rewrote the admin's digests")
	}

	nc, err := f.svc.CreateClient(ctx, sys, billd.ClientInput{Role: billd.RoleMeter})
	must(t, err)
	if got := storedClient(t, f, nc.Client.ID); !sha256Hex.MatchString(got.SecretHash) || !sha256Hex.MatchString(got.APIKeyHash) {
		t.Errorf("generated secrets stored as %q, %q; want SHA-256 digests", got.SecretHash, got.APIKeyHash)
	}
}

// TestManySignInsAtOnceCostOneCheck signs the environment's admin in from many requests at once,
// before any check of its secret passed: they share one slow check, whatever it costs on the
// machine, instead of queueing for one each (64 checks of about 80 ms would take five seconds, past
// the time a sign-in may wait).
func TestManySignInsAtOnceCostOneCheck(t *testing.T) {
	f := newFixtureConfig(t, sqltest.Open(t, "sqlite"), billd.Config{
		SecretHashIterations: 60_000,                         // a tenth of production: long enough to overlap
		Cache:                billd.CacheConfig{AuthTTL: -1}, // every request checks its credentials
	})
	const password = "correct-horse-battery"
	_, err := f.svc.BootstrapAdmin(t.Context(), "ops", password, "")
	must(t, err)
	before := billd.SlowSecretChecks(f.svc)
	errs := race(64, func(int) error {
		_, err := f.svc.Authenticate(t.Context(), billd.Credentials{ClientID: "ops", Secret: password})
		return err
	})
	if got := outcomes(errs); got["ok"] != 64 {
		t.Fatalf("outcomes of 64 sign-ins at once = %v, want 64 ok", got)
	}
	if n := billd.SlowSecretChecks(f.svc) - before; n != 1 {
		t.Fatalf("64 sign-ins at once ran %d slow checks, want 1", n)
	}
}
