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
	return OpenAt(t, name, MigratedDSN(t, name))
}

// MigratedDSN is DSN for a test that does not care whether billd's tables exist yet: on
// PostgreSQL it returns an empty schema that is already migrated, which costs a fraction of a new
// one.
func MigratedDSN(t testing.TB, name string) string {
	t.Helper()
	if name == "postgres" {
		return migratedSchema(t)
	}
	return DSN(t, name)
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
	return schemaURL(t, schema)
}

// migratedSchema returns a URL whose search_path points at an empty, migrated schema that the test
// has to itself until it ends. Each slot keeps its schema between tests (named by the slot and
// the migrations' digest) and empties it with one TRUNCATE when a test takes it: migrating a new
// schema for every test made PostgreSQL's DDL most of the suite's time.
func migratedSchema(t testing.TB) string {
	t.Helper()
	RequirePostgres(t)
	slot := acquireSlot(t) // registered first, so released last: after the test's stores closed
	schema := fmt.Sprintf("billd_test_slot%d_%s", slot, sqlstore.MigrationsDigest()[:12])
	dsn := schemaURL(t, schema)
	if err := resetSchema(schema, slot, dsn); err != nil {
		t.Fatalf("prepare schema %s: %v", schema, err)
	}
	return dsn
}

// resetSchema empties schema, keeping its migrations, with the script stored beside it when it was
// made; if it has none (new, or left half made by a test process that died), it makes and
// migrates it afresh, dropping the slot's schemas of other migrations (no one else holds the
// slot). Reading PostgreSQL's catalog on every reset would cost more than the reset.
func resetSchema(schema string, slot int, dsn string) error {
	return withAdmin(func(ctx context.Context, db *sql.DB) error { return resetWith(ctx, db, schema, slot, dsn) })
}

// resetWith is resetSchema on the admin connection db.
func resetWith(ctx context.Context, db *sql.DB, schema string, slot int, dsn string) error {
	var script string
	if db.QueryRowContext(ctx, `SELECT script FROM `+schema+`_seed.billd_reset`).Scan(&script) == nil {
		return inTx(ctx, db, script)
	}
	stale, err := queryNames(ctx, db, `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`,
		fmt.Sprintf("billd\\_test\\_slot%d\\_%%", slot))
	if err != nil {
		return err
	}
	for _, name := range stale {
		if _, err := db.ExecContext(ctx, `DROP SCHEMA `+name+` CASCADE`); err != nil {
			return err
		}
	}
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		return err
	}
	store, err := sqlstore.Open(ctx, dsn, sqlstore.Options{MaxConns: 1}) // migrates
	if err != nil {
		return err
	}
	if err := store.Close(); err != nil {
		return err
	}
	return keepSeeds(ctx, db, schema)
}

// inTx runs script in one transaction.
func inTx(ctx context.Context, db *sql.DB, script string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, script); err != nil {
		return err
	}
	return tx.Commit()
}

// schemaTables lists the tables of schema but schema_migrations, quoted.
func schemaTables(ctx context.Context, db querier, schema string) ([]string, error) {
	return queryNames(ctx, db, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = $1
		AND tablename <> 'schema_migrations' ORDER BY tablename`, schema)
}

// keepSeeds copies the rows the migrations put in schema (reference data, such as the transfer
// kinds) into schema_seed, and stores there the script that empties schema and puts them back.
func keepSeeds(ctx context.Context, db *sql.DB, schema string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	seed := schema + "_seed"
	if _, err := tx.ExecContext(ctx, `CREATE SCHEMA `+seed); err != nil {
		return err
	}
	tables, err := schemaTables(ctx, tx, schema)
	if err != nil {
		return err
	}
	var seeded []string
	for _, t := range tables {
		var rows bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+schema+`.`+t+`)`).Scan(&rows); err != nil {
			return err
		}
		if rows {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE `+seed+`.`+t+` AS SELECT * FROM `+schema+`.`+t); err != nil {
				return err
			}
			seeded = append(seeded, t)
		}
	}
	script, err := resetScript(ctx, tx, schema, tables, seeded)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE `+seed+`.billd_reset (script TEXT NOT NULL)`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+seed+`.billd_reset (script) VALUES ($1)`, script); err != nil {
		return err
	}
	return tx.Commit()
}

// resetScript returns the statements that empty schema's tables with DELETE, children before
// parents (on tables this small far cheaper than TRUNCATE, which scans PostgreSQL's shared buffers
// once per table), and put back the seeded rows. The journal's immutability triggers refuse
// deletes, so the schema's own triggers are off while it runs (ALTER TABLE inside the reset's
// transaction: no other session sees them off).
func resetScript(ctx context.Context, tx *sql.Tx, schema string, tables, seeded []string) (string, error) {
	triggered, err := queryNames(ctx, tx, `SELECT DISTINCT quote_ident(c.relname) FROM pg_trigger g
		JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND NOT g.tgisinternal`, schema)
	if err != nil {
		return "", err
	}
	order, err := deleteOrder(ctx, tx, schema, tables)
	if err != nil {
		return "", err
	}
	var stmts []string
	for _, t := range triggered {
		stmts = append(stmts, `ALTER TABLE `+schema+`.`+t+` DISABLE TRIGGER USER`)
	}
	for _, t := range order {
		stmts = append(stmts, `DELETE FROM `+schema+`.`+t)
	}
	for _, t := range triggered {
		stmts = append(stmts, `ALTER TABLE `+schema+`.`+t+` ENABLE TRIGGER USER`)
	}
	for _, t := range seeded {
		stmts = append(stmts, `INSERT INTO `+schema+`.`+t+` SELECT * FROM `+schema+`_seed.`+t)
	}
	return strings.Join(stmts, ";\n"), nil
}

// deleteOrder returns tables ordered so that a table comes before every table its rows' foreign
// keys point at.
func deleteOrder(ctx context.Context, tx *sql.Tx, schema string, tables []string) ([]string, error) {
	edges, err := queryNames(ctx, tx, `SELECT quote_ident(c.relname) || ' ' || quote_ident(p.relname) FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE k.contype = 'f' AND n.nspname = $1 AND c.oid <> p.oid`, schema)
	if err != nil {
		return nil, err
	}
	children := map[string][]string{} // parent → tables that point at it
	for _, e := range edges {
		child, parent, _ := strings.Cut(e, " ")
		children[parent] = append(children[parent], child)
	}
	var order []string
	done := map[string]bool{}
	var visit func(t string)
	visit = func(t string) {
		if done[t] {
			return
		}
		done[t] = true
		for _, c := range children[t] {
			visit(c)
		}
		order = append(order, t)
	}
	for _, t := range tables {
		visit(t)
	}
	// visit appends a table after the tables that point at it: children first.
	return order, nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

// queryNames returns the one text column of a query's rows.
func queryNames(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, rows.Err()
}

// schemaURL returns the test server's URL with its search_path set to schema.
func schemaURL(t testing.TB, schema string) string {
	t.Helper()
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

// adminExec runs one statement on a connection of its own, closed right after.
func adminExec(query string) error {
	return withAdmin(func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, query)
		return err
	})
}

// withAdmin runs fn on one connection of its own to the test server, closed right after, within a
// minute.
func withAdmin(fn func(context.Context, *sql.DB) error) error {
	db, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return fn(ctx, db)
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
