package sqlstore

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
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
	p, err := openSQLite(t.Context(), filepath.Join(t.TempDir(), "billd.db"), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	w, r := p.writer, p.reader
	for pragma, want := range map[string]string{
		"journal_mode":       "wal",
		"synchronous":        "2", // FULL
		"foreign_keys":       "1",
		"temp_store":         "2", // MEMORY
		"cache_size":         "-32768",
		"busy_timeout":       "10000",
		"wal_autocheckpoint": strconv.Itoa(walSafetyFrames),
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

// TestSQLiteBackgroundCheckpoint checks that committed pages reach the database file without the
// writer checkpointing: the log stays well under the writer's own threshold here.
func TestSQLiteBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "billd.db")
	p, err := openSQLite(t.Context(), path, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	before := fileSize(t, path)
	if _, err := p.writer.Exec(`CREATE TABLE scratch (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	for range 100 { // about 100 pages, 1% of walSafetyFrames
		if _, err := p.writer.Exec(`INSERT INTO scratch VALUES (randomblob(4000))`); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, path) < before+100*4000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after 10s, want the 400 kB committed to the log", fileSize(t, path))
		}
		time.Sleep(checkpointInterval / 2)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
