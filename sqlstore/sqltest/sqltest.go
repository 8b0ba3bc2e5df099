// Package sqltest opens fresh sqlstore databases for tests: an SQLite file in a temporary
// directory and a PostgreSQL schema of its own, so that tests run in parallel without sharing
// state. PostgreSQL comes from BILLD_TEST_POSTGRES (default postgres://127.0.0.1:5432/test). When
// it is unreachable its tests are skipped with a loud message on the terminal, except under
// CI=true, where that is a failure. The connections the tests open are bounded (slots.go).
package sqltest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
)

// DefaultPostgres is the test database when BILLD_TEST_POSTGRES is not set.
const DefaultPostgres = "postgres://127.0.0.1:5432/test"

// Store is an open test store and the name of its database.
type Store struct {
	Name string // "sqlite" or "postgres"
	DB   *sqlstore.DB
	DSN  string // what sqlstore.Open was given
}

// Each runs fn as a subtest on a fresh SQLite store and on a fresh PostgreSQL store.
func Each(t *testing.T, fn func(t *testing.T, s Store)) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, name))
		})
	}
}

// Open returns a fresh store of the named database, closed when the test ends.
func Open(t testing.TB, name string) Store {
	t.Helper()
	return OpenAt(t, name, DSN(t, name))
}

// OpenAt opens the store of the named database at dsn (from DSN, or a Proxy's), closed when the
// test ends.
func OpenAt(t testing.TB, name, dsn string) Store {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{MaxConns: MaxConns})
	if err != nil {
		t.Fatalf("open %s store: %v", name, err)
	}
	t.Cleanup(func() { db.Close() })
	return Store{Name: name, DB: db, DSN: dsn}
}

// DSN returns the address of a fresh, empty database: a new SQLite file, or a new PostgreSQL schema
// (dropped when the test ends). A PostgreSQL schema holds one of the machine's PostgresSlots until
// the test ends; whatever the test opens on it must use at most MaxConns connections per pool.
func DSN(t testing.TB, name string) string {
	t.Helper()
	switch name {
	case "sqlite":
		return filepath.Join(t.TempDir(), "billd.db")
	case "postgres":
		return postgresSchema(t)
	}
	t.Fatalf("unknown store %q", name)
	return ""
}

var (
	pgOnce sync.Once
	pgErr  error
)

// PostgresURL returns the test server's URL.
func PostgresURL() string {
	if u := os.Getenv("BILLD_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

// RequirePostgres skips the test (fails it under CI=true) when the PostgreSQL test server is
// unreachable.
func RequirePostgres(t testing.TB) {
	t.Helper()
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", PostgresURL())
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			err = db.PingContext(ctx)
			cancel()
			db.Close()
		}
		if err != nil {
			pgErr = err
			if os.Getenv("CI") != "true" {
				notice(fmt.Sprintf("\n!!! PostgreSQL at %s is unreachable (%v): its tests are SKIPPED.\n"+
					"!!! Start it or set BILLD_TEST_POSTGRES; under CI=true this is a failure.\n\n", PostgresURL(), err))
			}
		}
	})
	if pgErr == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("PostgreSQL at %s is unreachable: %v", PostgresURL(), pgErr)
	}
	t.Skipf("PostgreSQL at %s is unreachable: %v", PostgresURL(), pgErr)
}

// postgresSchema creates a schema of its own for the test and returns a URL whose search_path
// points at it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	RequirePostgres(t)
	AcquireSlot(t) // registered first, so released last: after the schema is dropped
	schema := "billd_test_" + strings.ReplaceAll(billd.NewUUID(), "-", "")[:16]
	if err := adminExec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := adminExec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// adminExec runs one statement on a connection of its own, closed right after.
func adminExec(query string) error {
	db, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = db.ExecContext(ctx, query)
	return err
}

// notice shows msg on the terminal that runs the tests: `go test ./...` prints the output of a
// package that passes only with -v, so a skip written to the test's output would go unseen. Without
// a terminal (as in CI), msg goes to standard error.
func notice(msg string) {
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if _, err := tty.WriteString(msg); err == nil {
			return
		}
	}
	fmt.Fprint(os.Stderr, msg)
}
