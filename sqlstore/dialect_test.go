package sqlstore

import "testing"

func TestAnonymousPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT a FROM t WHERE x = $1 AND y IN ($2, $3)`: `SELECT a FROM t WHERE x = ? AND y IN (?, ?)`,
		`VALUES ($1, $2), ($3, $4), ($10, $11)`:          `VALUES ($1, $2), ($3, $4), ($10, $11)`, // a gap
		`WHERE a = $1 OR b = $1`:                         `WHERE a = $1 OR b = $1`,                // a reuse
		`WHERE a = $2 AND b = $1`:                        `WHERE a = $2 AND b = $1`,               // out of order
		`SELECT 1`:                                       `SELECT 1`,
	} {
		if got := anonymousPlaceholders(in); got != want {
			t.Errorf("anonymousPlaceholders(%q) = %q, want %q", in, got, want)
		}
	}
}
