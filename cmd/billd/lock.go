package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/billd/billd/internal/flock"
	"github.com/billd/billd/sqlstore"
)

// lockStore keeps a second `billd serve` off the SQLite store dsn names while this one runs: it
// takes the exclusive lock of the file's companion <file>-lock (created for its owner only) and
// writes this process's id into it, for the message of the next one. The lock ends with unlock or
// with the process, whatever the way it ends. The tools (verify, clients) take no lock: they may
// run beside the server. PostgreSQL needs none: several servers may share its database.
func lockStore(dsn string) (unlock func(), err error) {
	file := sqlstore.SQLiteFile(dsn)
	if file == "" {
		return func() {}, nil
	}
	path := file + "-lock"
	// The lock comes before the store opens, so a new store's directory is made here, as
	// sqlstore.Open makes it for its callers that take no lock: for the owner only.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	release, ok, err := flock.TryLock(path)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		holder := ""
		if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) != "" {
			holder = " (process " + strings.TrimSpace(string(b)) + ")"
		}
		return nil, fmt.Errorf("another billd serve%s is running on %s; stop it first "+
			"(billd verify and billd clients may run beside it)", holder, file)
	}
	_ = os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	return release, nil
}
