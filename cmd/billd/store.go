package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
)

// storeFlags are the flags every command that opens the store shares.
type storeFlags struct {
	data       string
	db         string
	logLevel   string
	conns      int
	commit     billd.CommitConfig
	group      bool
	authTTL    time.Duration
	accountTTL time.Duration
	limits     billd.Limits
	hashCost   int
}

func (f *storeFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&f.data, "data", "./billd-data", "directory of the embedded SQLite database (used when --db is empty)")
	fs.StringVar(&f.db, "db", getenv("BILLD_DB"), "PostgreSQL URL (postgres://...) or SQLite file; default $BILLD_DB, else <data>/billd.db")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.IntVar(&f.conns, "db-conns", 0, "PostgreSQL pool size (default 32) or SQLite read connections (default 4)")
	fs.BoolVar(&f.group, "group-commit", true, "apply concurrent money-moving requests in shared transactions")
	fs.IntVar(&f.commit.MaxPostings, "commit-max-requests", 0, "group commit: requests per transaction (default 4096)")
	fs.IntVar(&f.commit.MaxTransfers, "commit-max-transfers", 0, "group commit: transfers per transaction (default 20000)")
	fs.DurationVar(&f.commit.MaxWait, "commit-wait", 0, "group commit: how long a transaction may wait for more requests when others are already queued; 0: 300µs on SQLite, none on PostgreSQL (measured best for each); negative: never")
	fs.IntVar(&f.commit.MaxQueued, "commit-max-queued", 0, "group commit: transfers waiting at most before requests are refused with 503 (default 200000)")
	fs.DurationVar(&f.authTTL, "auth-cache-ttl", time.Second, "how long a verified credential is trusted without a store read; other nodes see a revocation within it; 0 disables")
	fs.DurationVar(&f.accountTTL, "account-cache-ttl", 10*time.Second, "how long usage reporting remembers which account a request names; 0 disables")
	fs.IntVar(&f.limits.MaxMetadataBytes, "max-metadata-bytes", billd.DefaultMaxMetadataBytes, "largest metadata of one object, in bytes of JSON; larger is refused with 400")
	fs.IntVar(&f.limits.MaxProjectsPerOrg, "max-projects-per-org", billd.DefaultMaxProjectsPerOrg, "open projects one organization may have; past it a create is refused with 429")
	fs.IntVar(&f.limits.MaxAccountsPerOrg, "max-accounts-per-org", billd.DefaultMaxAccountsPerOrg, "billing accounts (not closed) one organization may have; past it a create is refused with 429")
	fs.IntVar(&f.hashCost, "secret-hash-iterations", billd.DefaultSecretHashIterations, "PBKDF2-HMAC-SHA256 iterations of secrets people choose (the admin secret and API key from the environment)")
	fs.IntVar(&f.limits.MaxClientsPerOrg, "max-clients-per-org", billd.DefaultMaxClientsPerOrg, "API clients (not revoked) one organization may have; past it a create is refused with 429")
}

// cacheConfig maps the cache flags (0 disables) to the service's (negative disables).
func (f *storeFlags) cacheConfig() billd.CacheConfig {
	off := func(d time.Duration) time.Duration {
		if d <= 0 {
			return -1
		}
		return d
	}
	return billd.CacheConfig{AuthTTL: off(f.authTTL), AccountTTL: off(f.accountTTL)}
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
	db, err := sqlstore.Open(ctx, f.dsn(), sqlstore.Options{MaxConns: f.conns})
	if err != nil {
		return nil, nil, nil, err
	}
	f.commit.Disabled = !f.group
	if f.commit.MaxWait == 0 && db.Dialect() == "postgres" {
		f.commit.MaxWait = -1 // PostgreSQL's pipelined commits do best without lingering
	}
	svc := billd.NewService(billd.Config{Store: db, Logger: log, Commit: f.commit, Cache: f.cacheConfig(), Limits: f.limits,
		SecretHashIterations: f.hashCost})
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
