package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/client"
	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestBackupRestore backs up the store of a running server, restores the copy into a new
// directory, and checks that billd verify finds it clean and that it serves the balance of the
// moment of the backup; and the refusals of both commands.
func TestBackupRestore(t *testing.T) {
	dsn := sqltest.MigratedDSN(t, "sqlite")
	s := startServer(t, dsn)
	w := newWorld(t, s, 1000)
	w.use(t, s, billd.NewUUID(), 250)
	copyFile := filepath.Join(t.TempDir(), "billd-backup.db")
	if out, _, err := cliRun(t, "backup", "--db", dsn, "--to", copyFile); err != nil || !strings.Contains(out, "backed up "+dsn+" to "+copyFile) {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if info, err := os.Stat(copyFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the backup file: %v, %v; want mode 0600", info, err)
	}
	w.use(t, s, billd.NewUUID(), 100) // after the backup: not in it

	data := filepath.Join(t.TempDir(), "restored")
	if out, _, err := cliRun(t, "restore", "--from", copyFile, "--data", data); err != nil || !strings.Contains(out, "restored ") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	restored := filepath.Join(data, "billd.db")
	if out, _, err := cliRun(t, "verify", "--data", data); err != nil || !strings.Contains(out, ": 0 problems") {
		t.Fatalf("verify on the restored store: %v\n%s", err, out)
	}

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"restore over a store", []string{"restore", "--from", copyFile, "--data", data}, "holds a store; restore into a new --data, or give --force"},
		{"restore under a running server", []string{"restore", "--from", copyFile, "--db", dsn, "--force"}, "another billd serve"},
		{"restore of no SQLite file", []string{"restore", "--from", "../../examples/billd.yaml", "--data", t.TempDir()}, "is not a SQLite database"},
		{"restore of a SQLite file that is no store", []string{"restore", "--from", backupEmptySQLite(t), "--data", t.TempDir()}, "has no billd tables"},
		{"backup over a file", []string{"backup", "--db", dsn, "--to", copyFile}, "exists; give a new file"},
		{"backup of no store", []string{"backup", "--data", filepath.Join(t.TempDir(), "none"), "--to", filepath.Join(t.TempDir(), "b.db")}, "does not exist"},
		{"backup of PostgreSQL", []string{"backup", "--db", "postgres://127.0.0.1:1/none", "--to", filepath.Join(t.TempDir(), "b.db")}, "pg_dump --format=custom"},
		{"restore of PostgreSQL", []string{"restore", "--db", "postgres://127.0.0.1:1/none", "--from", copyFile}, "pg_restore"},
	} {
		if _, _, err := cliRun(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error holding %q", c.name, err, c.want)
		}
	}
	for _, args := range [][]string{{"backup", "--db", dsn}, {"restore", "--data", data}} {
		if _, _, err := cliRun(t, args...); !cliIsUsage(err) {
			t.Errorf("billd %v: %v, want a usage error", args, err)
		}
	}
	// --force replaces a store: with a backup of the later state.
	later := filepath.Join(t.TempDir(), "later.db")
	if _, _, err := cliRun(t, "backup", "--db", dsn, "--to", later); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cliRun(t, "restore", "--from", later, "--data", data, "--force"); err != nil {
		t.Fatalf("restore --force: %v", err)
	}
	if _, err := os.Stat(restored + ".restoring"); !os.IsNotExist(err) {
		t.Errorf("restore left %s.restoring: %v", restored, err)
	}
	if got := w.balance(t, startServer(t, restored)); got != 650 {
		t.Errorf("the store restored with --force serves a balance of %d, want 650", got)
	}
}

// backupEmptySQLite returns a SQLite file without billd's tables.
func backupEmptySQLite(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := sqlstore.Open(context.Background(), path, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.ExecRaw(context.Background(), `DROP TABLE schema_migrations`)
	if err = errors.Join(err, db.Close()); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBackupProcess runs the real binary: a server on SQLite takes usage reports from several
// workers while `billd backup` copies its store; the copy, restored into a new directory, is clean
// for billd verify and holds a consistent point: at least every usage acknowledged before the
// backup began and at most those sent before it ended.
func TestBackupProcess(t *testing.T) {
	bin := procBuild(t)
	dsn := filepath.Join(t.TempDir(), "billd.db")
	s := spawn(t, "billd", dsn, "")
	const credits = 1 << 40
	w := newWorld(t, s, credits)
	meter := s.goClient(w.meter, 8)
	var acked, sent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failure atomic.Value
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				err := meter.ReportUsage(context.Background(), w.orgID, w.accountID, []client.Usage{{ID: billd.NewUUID(), Amount: 1, Source: "gpu"}})
				if err != nil {
					failure.Store(err)
					return
				}
				acked.Add(1)
			}
		}()
	}
	eventually(t, "usages acknowledged", func() error {
		if n := acked.Load(); n < 200 {
			return fmt.Errorf("%d acknowledged", n)
		}
		return nil
	})
	before := acked.Load()
	copyFile := filepath.Join(t.TempDir(), "backup.db")
	out, err := exec.Command(bin, "backup", "--db", dsn, "--to", copyFile).CombinedOutput()
	after := sent.Load()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("billd backup: %v\n%s", err, out)
	}
	if e := failure.Load(); e != nil {
		t.Fatalf("a usage report failed: %v", e)
	}
	t.Logf("usages: %d acknowledged before the backup, %d sent by its end, %d acknowledged in all", before, after, acked.Load())
	data := filepath.Join(t.TempDir(), "restored")
	for _, args := range [][]string{{"restore", "--from", copyFile, "--data", data}, {"verify", "--data", data}} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("billd %v: %v\n%s", args, err, out)
		}
	}
	used := credits - w.balance(t, spawn(t, "restored", filepath.Join(data, "billd.db"), ""))
	if used < before || used > after {
		t.Errorf("the restored store holds %d usages; want between %d (acknowledged before the backup) and %d (sent by its end)", used, before, after)
	}
}
