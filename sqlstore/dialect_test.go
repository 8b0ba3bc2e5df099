package sqlstore

import (
	"path/filepath"
	"testing"
)

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

// TestSQLiteSettings checks that the DSN settings durability and integrity rest on are in force
// on the writer connection: a misspelt DSN key would be ignored silently.
func TestSQLiteSettings(t *testing.T) {
	w, r, err := openSQLite(t.Context(), filepath.Join(t.TempDir(), "billd.db"), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"synchronous":  "2", // FULL
		"foreign_keys": "1",
		"temp_store":   "2", // MEMORY
		"cache_size":   "-32768",
		"busy_timeout": "10000",
	} {
		var got string
		if err := w.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	var readOnly string
	if err := r.QueryRow("PRAGMA query_only").Scan(&readOnly); err != nil || readOnly != "1" {
		t.Errorf("readers: PRAGMA query_only = %q (%v), want 1", readOnly, err)
	}
}
