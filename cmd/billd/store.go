package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
)

// storeFlags are the flags every command that opens the store shares.
type storeFlags struct {
	data     string
	db       string
	logLevel string
}

func (f *storeFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&f.data, "data", "./billd-data", "directory of the embedded SQLite database (used when --db is empty)")
	fs.StringVar(&f.db, "db", getenv("BILLD_DB"), "PostgreSQL URL (postgres://...) or SQLite file; default $BILLD_DB, else <data>/billd.db")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
}

// dsn returns the database the flags name.
func (f *storeFlags) dsn() string {
	if f.db != "" {
		return f.db
	}
	return filepath.Join(f.data, "billd.db")
}

// open opens the store, applies its migrations and returns a service over it.
func (f *storeFlags) open(ctx context.Context, stderr io.Writer) (*sqlstore.DB, *billd.Service, *slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, nil, nil, usageError{"--log-level: " + err.Error()}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	db, err := sqlstore.Open(ctx, f.dsn(), sqlstore.Options{})
	if err != nil {
		return nil, nil, nil, err
	}
	svc := billd.NewService(billd.Config{Store: db, Logger: log})
	return db, svc, log, nil
}

// redactDSN hides the password of a database URL in logs.
func redactDSN(dsn string) string {
	if at := strings.Index(dsn, "@"); at > 0 {
		if scheme := strings.Index(dsn, "://"); scheme > 0 && scheme < at {
			userinfo := dsn[scheme+3 : at]
			if user, _, ok := strings.Cut(userinfo, ":"); ok {
				return dsn[:scheme+3] + user + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}
