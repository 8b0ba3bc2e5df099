package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
)

// storeFlags are the flags of the commands that open the store. register adds those of every such
// command; registerLimits those of the commands that create objects through the service (serve,
// clients create); registerService the server's tuning of the store and the service.
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
	providers  []billd.Provider // serve's payment provider
	invoicing  billd.InvoicingConfig
	webhooks   billd.WebhookConfig
	recharge   billd.RechargeConfig
	purgeAfter time.Duration
	observer   billd.Observer // serve's metrics; nil: none
	config     *configFlag
}

func (f *storeFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.config = registerConfig(fs, getenv)
	fs.StringVar(&f.data, "data", "./billd-data", "directory of the embedded SQLite database (used when --db is empty)")
	fs.StringVar(&f.db, "db", "", "the database: postgres://… or postgresql://… (PostgreSQL), or sqlite:PATH, sqlite://PATH or a file path (SQLite); empty: <data>/billd.db")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.IntVar(&f.conns, "db-conns", 0, "PostgreSQL pool size or SQLite read connections; 0: 32 on PostgreSQL, 4 on SQLite")
}

func (f *storeFlags) registerLimits(fs *flag.FlagSet) {
	fs.IntVar(&f.limits.MaxMetadataBytes, "max-metadata-bytes", billd.DefaultMaxMetadataBytes, "largest metadata of one object, in bytes of JSON; larger is refused with 400")
	fs.IntVar(&f.limits.MaxProjectsPerOrg, "max-projects-per-org", billd.DefaultMaxProjectsPerOrg, "open projects one organization may have; past it a create is refused with 429")
	fs.IntVar(&f.limits.MaxAccountsPerOrg, "max-accounts-per-org", billd.DefaultMaxAccountsPerOrg, "billing accounts (not closed) one organization may have; past it a create is refused with 429")
	fs.IntVar(&f.limits.MaxClientsPerOrg, "max-clients-per-org", billd.DefaultMaxClientsPerOrg, "API clients (not revoked) one organization may have; past it a create is refused with 429")
	fs.IntVar(&f.limits.MaxWebhooksPerOrg, "max-webhooks-per-org", billd.DefaultMaxWebhooksPerOrg, "webhooks one organization may have, and platform-wide ones; past it a create is refused with 429")
}

func (f *storeFlags) registerService(fs *flag.FlagSet) {
	if f.config != nil {
		f.config.strict = true // the server's commands take every key of the file
	}
	fs.BoolVar(&f.group, "group-commit", true, "apply concurrent money-moving requests in shared transactions")
	fs.IntVar(&f.commit.MaxPostings, "commit-max-requests", 0, "group commit: requests per transaction; 0: 4096")
	fs.IntVar(&f.commit.MaxTransfers, "commit-max-transfers", 0, "group commit: transfers per transaction; 0: 20000")
	fs.DurationVar(&f.commit.MaxWait, "commit-wait", 0, "group commit: how long a transaction may wait for more requests when others are already queued; 0: 300µs on SQLite, none on PostgreSQL (measured best for each); negative: never")
	fs.IntVar(&f.commit.MaxQueued, "commit-max-queued", 0, "group commit: transfers waiting at most before requests are refused with 503; 0: 200000")
	fs.DurationVar(&f.authTTL, "auth-cache-ttl", time.Second, "how long a verified credential is trusted without a store read; other nodes see a revocation within it; 0 disables")
	fs.DurationVar(&f.accountTTL, "account-cache-ttl", 10*time.Second, "how long usage reporting remembers which account a request names; 0 disables")
	fs.BoolVar(&f.webhooks.AllowPrivate, "webhooks-allow-private", false, "let webhooks be registered on and sent to private, loopback and link-local addresses (off: a customer's URL cannot reach billd's own network)")
	fs.DurationVar(&f.webhooks.Timeout, "webhook-timeout", 10*time.Second, "time one webhook attempt may take; longer is a failed attempt, retried")
	fs.IntVar(&f.webhooks.Concurrency, "webhook-concurrency", 4, "webhook attempts (and connections) in flight at once")
	fs.DurationVar(&f.webhooks.Retention, "webhook-retention", billd.DefaultWebhookRetention, "how long settled webhook deliveries, their logs and their events are kept before they are pruned")
	fs.IntVar(&f.hashCost, "secret-hash-iterations", billd.DefaultSecretHashIterations, "PBKDF2-HMAC-SHA256 iterations of secrets people choose (the admin secret and API key from the environment)")
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

// open opens the store, applies its migrations and returns a service over it. With existing, it
// opens only a store that exists (for the tools that inspect one) and says how to create one;
// otherwise it creates the store if needed (serve).
func (f *storeFlags) open(ctx context.Context, stderr io.Writer, existing bool) (*sqlstore.DB, *billd.Service, *slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, nil, nil, usageError{"--log-level: " + err.Error()}
	}
	log := newLogger(stderr, level)
	db, err := sqlstore.Open(ctx, f.dsn(), sqlstore.Options{MaxConns: f.conns, MustExist: existing})
	if errors.Is(err, sqlstore.ErrNoStore) {
		return nil, nil, nil, fmt.Errorf("%w; `billd serve` with the same --data or --db creates one", err)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	f.commit.Disabled = !f.group
	if f.commit.MaxWait == 0 && db.Dialect() == "postgres" {
		f.commit.MaxWait = -1 // PostgreSQL's pipelined commits do best without lingering
	}
	svc := billd.NewService(billd.Config{Store: db, Logger: log, Commit: f.commit, Cache: f.cacheConfig(), Limits: f.limits,
		SecretHashIterations: f.hashCost, Providers: f.providers, Invoicing: f.invoicing, Webhooks: f.webhooks,
		Recharge: f.recharge, PurgeAfter: f.purgeAfter, Observer: f.observer})
	return db, svc, log, nil
}

// redactDSN hides the passwords of a PostgreSQL URL for logs: its userinfo's and the value of
// every query parameter whose name holds "password" (password, sslpassword). A URL that does not
// parse is hidden whole.
func redactDSN(dsn string) string {
	if sqlstore.SQLiteFile(dsn) != "" {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(a database URL that does not parse; hidden)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	params := strings.Split(u.RawQuery, "&")
	for i, param := range params {
		name, _, _ := strings.Cut(param, "=")
		if key, err := url.QueryUnescape(name); err != nil || strings.Contains(strings.ToLower(key), "password") {
			params[i] = name + "=xxxxx"
		}
	}
	u.RawQuery = strings.Join(params, "&")
	return u.String()
}
