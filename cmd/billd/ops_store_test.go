package main

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
)

// The operations tests of the store: which databases --db accepts, the modes of SQLite files,
// passwords in logs, the tools on a missing store, one server per SQLite file, and the order of
// bind and admin bootstrap.

// TestOpsDatabaseForms checks that --db takes PostgreSQL URLs, sqlite: URLs and file paths, and
// refuses any other form, creating nothing and repeating no password.
func TestOpsDatabaseForms(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, dsn := range []string{
		"mysql://root:hunter2@db.example:3306/billd",
		"host=db.example dbname=billd password=hunter2",
		"user=billd",
		"file:billd.db",
		"sqlite:",
		"sqlite://",
	} {
		for _, args := range [][]string{{"verify", "--db", dsn}, {"serve", "--addr", "127.0.0.1:0", "--db", dsn}} {
			_, err := refusedStart(t, nil, args...)
			if err == nil || strings.Contains(err.Error(), "hunter2") ||
				!strings.Contains(err.Error(), "postgres://") || !strings.Contains(err.Error(), "sqlite:PATH") {
				t.Errorf("billd %v: %v, want a refusal naming the accepted forms", args, err)
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused databases created %v", entries)
	}

	// The accepted SQLite forms, each a file of its own.
	abs := filepath.Join(dir, "abs")
	for dsn, file := range map[string]string{
		"plain.db":                 "plain.db",
		"sub/dir/plain.db":         "sub/dir/plain.db",
		"sqlite:colon.db":          "colon.db",
		"sqlite://slashes.db":      "slashes.db",
		"sqlite:" + abs + "1.db":   abs + "1.db",
		"sqlite://" + abs + "2.db": abs + "2.db",
	} {
		db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{MaxConns: 1})
		if err != nil {
			t.Errorf("open %q: %v", dsn, err)
			continue
		}
		db.Close()
		if _, err := os.Stat(file); err != nil || sqlstore.SQLiteFile(dsn) != file {
			t.Errorf("%q: the SQLite file %q (SQLiteFile %q): %v", dsn, file, sqlstore.SQLiteFile(dsn), err)
		}
	}
	for _, pg := range []string{sqltest.PostgresURL(), "postgresql://db/billd", "POSTGRES://db/billd"} {
		if f := sqlstore.SQLiteFile(pg); f != "" {
			t.Errorf("SQLiteFile(%q) = %q, want none: a PostgreSQL URL", pg, f)
		}
	}
}

// TestOpsSQLiteFilesArePrivate checks that a new SQLite store, its write-ahead log, shared memory
// and lock files are readable by their owner only, in a directory likewise.
func TestOpsSQLiteFilesArePrivate(t *testing.T) {
	data := filepath.Join(t.TempDir(), "new", "data")
	s := serveWith(t, filepath.Join(data, "billd.db"), adminEnv)
	s.ok(req{method: "POST", path: "/v1beta1/organizations", body: map[string]any{"name": "private-files"}})
	for _, dir := range []string{data, filepath.Dir(data)} {
		if fi, err := os.Stat(dir); err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != 0o700 {
			t.Errorf("directory %s: mode %v, want 0700", dir, fi.Mode())
		}
	}
	for _, name := range []string{"billd.db", "billd.db-wal", "billd.db-shm", "billd.db-lock"} {
		if fi, err := os.Stat(filepath.Join(data, name)); err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, fi.Mode())
		}
	}
}

// TestOpsRedactDSN checks that the database URL billd logs shows no password.
func TestOpsRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://billd:s3cret@db:5432/billd":                          "postgres://billd:xxxxx@db:5432/billd",
		"postgres://db/billd?password=s3cret&sslmode=require":            "postgres://db/billd?password=xxxxx&sslmode=require",
		"postgresql://u@db/billd?sslmode=verify-full&sslpassword=s3cret": "postgresql://u@db/billd?sslmode=verify-full&sslpassword=xxxxx",
		"postgres://u:s3cret@db/billd?Pass%77ord=s3cret":                 "postgres://u:xxxxx@db/billd?Pass%77ord=xxxxx",
		"postgres://u@db/billd?sslmode=disable":                          "postgres://u@db/billd?sslmode=disable",
		"postgres://u:s3cret@db:port/billd%zz":                           "(a database URL that does not parse; hidden)",
		"./billd-data/billd.db":                                          "./billd-data/billd.db",
		"sqlite:password=s3cret.db":                                      "sqlite:password=s3cret.db", // a file name, no password
	} {
		if got := redactDSN(in); got != want {
			t.Errorf("redactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpsToolsNeedAStore checks that verify and clients refuse a store that does not exist, say how
// to create one, and create nothing.
func TestOpsToolsNeedAStore(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		data := filepath.Join(t.TempDir(), "data")
		opsToolsRefuse(t,
			[]string{"verify", "--data", data},
			[]string{"clients", "list", "--data", data},
			[]string{"clients", "create", "--role", "meter", "--db", filepath.Join(data, "billd.db")},
			[]string{"verify", "--db", "sqlite:" + filepath.Join(data, "other.db")})
		if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the tools created %s: %v", data, err)
		}
		// An empty SQLite file is no store either.
		empty := filepath.Join(t.TempDir(), "empty.db")
		if err := os.WriteFile(empty, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		opsToolsRefuse(t, []string{"verify", "--db", empty})
	})
	t.Run("postgres", func(t *testing.T) {
		pg := sqltest.DSN(t, "postgres")
		opsToolsRefuse(t, []string{"verify", "--db", pg}, []string{"clients", "list", "--db", pg})
		// Nothing was created on PostgreSQL either.
		db, err := sqlstore.Open(context.Background(), pg, sqlstore.Options{MaxConns: 1, MustExist: true})
		if err == nil {
			db.Close()
		}
		if !errors.Is(err, sqlstore.ErrNoStore) {
			t.Errorf("the tools created billd's tables on PostgreSQL: %v", err)
		}
	})
}

// opsToolsRefuse checks that each command refuses a missing store with an error that names billd
// serve, and prints nothing.
func opsToolsRefuse(t *testing.T, commands ...[]string) {
	t.Helper()
	for _, args := range commands {
		out, _, err := cliRun(t, args...)
		if !errors.Is(err, sqlstore.ErrNoStore) || !strings.Contains(err.Error(), "billd serve") || out != "" {
			t.Errorf("billd %v: %v, stdout %q; want a missing-store error that names billd serve", args, err, out)
		}
	}
}

// TestOpsOneServerPerSQLiteFile checks that a second server on the same SQLite file is refused
// while the first runs (whatever the form of --db), that the tools work beside it, and that the
// file is free again once the first stops.
func TestOpsOneServerPerSQLiteFile(t *testing.T) {
	dsn := sqltest.DSN(t, "sqlite")
	first := startServer(t, dsn)
	for _, again := range []string{dsn, "sqlite:" + dsn, "sqlite://" + dsn} {
		_, err := refusedStart(t, nil, "serve", "--addr", "127.0.0.1:0", "--db", again)
		if err == nil || !strings.Contains(err.Error(), "another billd serve (process "+strconv.Itoa(os.Getpid())+")") {
			t.Errorf("a second serve --db %s: %v, want a refusal naming the running one", again, err)
		}
	}
	if out, _, err := cliRun(t, "verify", "--db", dsn); err != nil || !strings.Contains(out, "0 problems") {
		t.Errorf("verify beside the server: %v\n%s", err, out)
	}
	if out, _, err := cliRun(t, "clients", "list", "--db", dsn); err != nil || !strings.Contains(out, adminID) {
		t.Errorf("clients list beside the server: %v\n%s", err, out)
	}
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}
	startServer(t, dsn)
}

// TestOpsBindBeforeAdmin checks that a server that cannot listen creates no admin, so that the one
// that then starts creates and prints it.
func TestOpsBindBeforeAdmin(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dsn := sqltest.DSN(t, "sqlite")
	out, err := refusedStart(t, nil, "serve", "--db", dsn, "--addr", taken.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "address already in use") || strings.Contains(out, "client_secret") {
		t.Fatalf("serve on a taken address: %v, stdout %q; want a bind error and no credentials", err, out)
	}
	s := serveWith(t, dsn, nil)
	if banner := strings.Join(s.banner, "\n"); !strings.Contains(banner, "created the platform admin client") {
		t.Errorf("the first server that listens printed no admin: %q", banner)
	}
}
