package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/billd/billd/sqlstore/sqltest"
)

// TestBackupIsForItsOwnerOnly checks that a SQLite backup is readable by its owner only from the
// moment it exists, whatever the umask: it holds the whole store (API key hashes, people's data).
func TestBackupIsForItsOwnerOnly(t *testing.T) {
	s := sqltest.Open(t, "sqlite")
	newOrg(t, s.DB, "acme", t0)
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := s.DB.BackupTo(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 || info.Size() == 0 {
		t.Fatalf("backup: %v, %v; want a non-empty file of mode 0600", info.Mode(), err)
	}
	if err := s.DB.BackupTo(context.Background(), path); err == nil {
		t.Error("a backup over an existing file succeeded")
	}
}
