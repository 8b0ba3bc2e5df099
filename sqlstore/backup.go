package sqlstore

import (
	"context"
	"errors"
)

// ErrNotSQLite is returned by BackupTo on a PostgreSQL store, which pg_dump backs up.
var ErrNotSQLite = errors.New("sqlstore: online backup is for SQLite stores; back PostgreSQL up with pg_dump")

// BackupTo writes a consistent copy of the SQLite store into the file path, which must not
// exist: SQLite's VACUUM INTO, one read transaction on this handle's writer connection (the readers
// are query-only, which VACUUM INTO refuses). It takes no write lock, so in WAL mode a server on
// the same file goes on writing while it runs, and the copy holds exactly the transactions
// committed when it began. The copy is compact (no free pages) and not yet synced to disk: the
// caller syncs it.
func (db *DB) BackupTo(ctx context.Context, path string) error {
	if db.d != sqliteDialect {
		return ErrNotSQLite
	}
	_, err := db.writer.ExecContext(ctx, `VACUUM INTO $1`, path)
	return err
}
