package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestUnavailable checks which errors say the database is out of reach (503, retry) and which are
// the caller's own end or a failed statement.
func TestUnavailable(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"connect timed out", &pgconn.ConnectError{}, true},
		{"server shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"caller canceled", fmt.Errorf("query: %w", context.Canceled), false},
		{"caller's deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), false},
		{"a bug", errors.New("no row"), false},
	} {
		if got := unavailable(c.err); got != c.want {
			t.Errorf("%s: unavailable = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestStatementOp(t *testing.T) {
	for query, want := range map[string]string{
		"INSERT INTO transfers (id) VALUES ($1)":                     "insert transfers",
		"SELECT id FROM ledger_accounts WHERE id = $1 FOR UPDATE":    "select ledger_accounts",
		"UPDATE organizations SET name = $1":                         "update organizations",
		"WITH n AS (SELECT 1) INSERT INTO transfers SELECT * FROM n": "insert transfers",
		"commit": "commit",
	} {
		if got := statementOp(query); got != want {
			t.Errorf("statementOp(%q) = %q, want %q", query, got, want)
		}
	}
}
