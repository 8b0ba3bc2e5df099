package sqlstore

import (
	"context"
	"errors"
	"os"
)

// ErrNotSQLite is returned by BackupTo on a PostgreSQL store, which pg_dump backs up.
var ErrNotSQLite = errors.New("sqlstore: online backup is for SQLite stores; back PostgreSQL up with pg_dump")

// BackupTo writes a consistent copy of the SQLite store into the file path, which must not
// exist: SQLite's VACUUM INTO, one read transaction on this handle's writer connection (the readers
// are query-only, which VACUUM INTO refuses). It takes no write lock, so in WAL mode a server on
// the same file goes on writing while it runs, and the copy holds exactly the transactions
// committed when it began. The file is created empty for its owner only (mode 0600) before
// VACUUM INTO fills it (which it does in an empty file too): SQLite would create it readable by
// all, as the store's data is written. The copy is compact (no free pages) and not yet synced to
// disk: the caller syncs it.
func (db *DB) BackupTo(ctx context.Context, path string) error {
	if db.d != sqliteDialect {
		return ErrNotSQLite
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	_, err = db.writer.ExecContext(ctx, `VACUUM INTO $1`, path)
	return err
}
