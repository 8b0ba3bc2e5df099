package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/billd/billd/sqlstore"
)

// postgresBackupAdvice is what backup and restore say of a PostgreSQL store, which they leave to
// PostgreSQL's own tools.
const postgresBackupAdvice = "billd backup and restore copy SQLite stores; back a PostgreSQL store up with its own tools: " +
	"pg_dump --format=custom --file billd.dump \"$BILLD_DB\" (a consistent snapshot while billd runs), and restore it into an empty database " +
	"with pg_restore --no-owner --dbname \"$NEW_DB\" billd.dump, then billd verify --db \"$NEW_DB\" (docs/operations.md)"

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// backup writes a consistent copy of a SQLite store, live or not, into a new file.
func backup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", "backup --to FILE [flags]", "Write a consistent copy of the SQLite store of --data or --db into the new file --to, while a\n"+
		"server may go on writing to it: the copy holds exactly the transactions committed when it began.\n"+
		"billd restore puts it back. For PostgreSQL it says how to use pg_dump.")
	var sf storeFlags
	sf.register(fs, getenv)
	to := fs.String("to", "", "the backup file to write; it must not exist")
	if err := parseArgs(fs, args, 0, stdout, stderr); err != nil {
		return err
	}
	if *to == "" {
		return usageError{"backup: --to FILE is required"}
	}
	if sqlstore.SQLiteFile(sf.dsn()) == "" {
		return errors.New(postgresBackupAdvice)
	}
	if _, err := os.Lstat(*to); !errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("backup: %s exists; give a new file", *to)
	}
	db, svc, _, err := sf.open(ctx, stderr, true)
	if err != nil {
		return err
	}
	defer db.Close()
	defer svc.Close()
	tmp := *to + ".partial-" + strconv.Itoa(os.Getpid())
	if err := db.BackupTo(ctx, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncAndRename(tmp, *to); err != nil { // BackupTo made tmp for its owner only
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	info, err := os.Stat(*to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes); restore it with: billd restore --from %s --data DIR\n",
		sqlstore.SQLiteFile(sf.dsn()), *to, info.Size(), *to)
	return nil
}

// restore puts a backup in place of the SQLite store of --data or --db.
func restore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", "restore --from FILE [flags]", "Make the backup --from (from billd backup) the SQLite store of --data or --db. It refuses while a\n"+
		"billd serve runs on that store, and when the store exists unless --force (which replaces it).\n"+
		"Run billd verify on the restored store before serving it. For PostgreSQL it says how to use\n"+
		"pg_restore.")
	var sf storeFlags
	sf.register(fs, getenv)
	from := fs.String("from", "", "the backup file to restore; required")
	force := fs.Bool("force", false, "replace the store if it exists (its data is lost: back it up first)")
	if err := parseArgs(fs, args, 0, stdout, stderr); err != nil {
		return err
	}
	file := sqlstore.SQLiteFile(sf.dsn())
	switch {
	case *from == "":
		return usageError{"restore: --from FILE is required"}
	case file == "":
		return errors.New(postgresBackupAdvice)
	}
	if err := checkSQLiteFile(*from); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	unlock, err := lockStore(sf.dsn()) // no server may start on the store while it is replaced
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer unlock()
	if !*force && storeExists(file) {
		return fmt.Errorf("restore: %s holds a store; restore into a new --data, or give --force to replace it", file)
	}
	tmp := file + ".restoring"
	if err := restoreCopy(ctx, *from, tmp); err != nil {
		removeSQLite(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := removeSQLite(file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := syncAndRename(tmp, file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored %s from %s; check it with: billd verify --db %s\n", file, *from, file)
	return nil
}

// restoreCopy copies the backup from into the new file tmp and opens it as a store: a file that
// is no billd store is refused, and an older store's migrations are applied. Once closed, the
// whole store is in tmp (its write-ahead log checkpointed).
func restoreCopy(ctx context.Context, from, tmp string) error {
	removeSQLite(tmp) // what an interrupted restore left
	if err := copyFile(from, tmp); err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, tmp, sqlstore.Options{MustExist: true, MaxConns: 1})
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	if err := db.Close(); err != nil {
		return err
	}
	if storeExists(tmp + "-wal") {
		return fmt.Errorf("%s-wal was not checkpointed into the store", tmp)
	}
	return removeFiles(tmp+"-wal", tmp+"-shm") // empty once closed, and not to outlive tmp
}

// checkSQLiteFile fails unless path is a SQLite database file.
func checkSQLiteFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteHeader) {
		return fmt.Errorf("%s is not a SQLite database (a billd backup)", path)
	}
	return nil
}

// storeExists reports whether the file exists and is not empty.
func storeExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Size() > 0
}

// removeSQLite removes a SQLite database file and its write-ahead log and shared memory, which
// must never outlive it.
func removeSQLite(path string) error {
	return removeFiles(path+"-wal", path+"-shm", path)
}

// removeFiles removes those of the files that exist.
func removeFiles(paths ...string) error {
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// copyFile copies from into the new file to, for its owner only, synced.
func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	return errors.Join(err, dst.Close())
}

// syncAndRename syncs the file tmp, renames it to path and syncs the directory, so that path is
// whole on disk once it returns.
func syncAndRename(tmp, path string) error {
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if err = errors.Join(err, f.Close()); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	return errors.Join(dir.Sync(), dir.Close())
}
