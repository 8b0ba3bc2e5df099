package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
)

// demo seeds an empty embedded store with a sample organization and a month of usage, then serves
// it as billd serve does, and prints where to look and the credentials to look with.
func demo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", "demo [flags]", "Show the whole product on a store of its own: create a sample catalog, an organization with a\n"+
		"billing account, buy credits through the sandbox, report and revert usage over the last 30 days,\n"+
		"then serve it (as billd serve) and print the console URL, the API URL and the credentials of\n"+
		"the organization's owner and of the platform admin. The environment and the configuration file\n"+
		"of billd serve do not change what it serves. SIGINT or SIGTERM stop it.")
	registerConfig(fs, getenv)
	data := fs.String("data", "", "directory of the demo's SQLite store, which must hold no store yet; default: a new directory under the user's cache (billd/demo-*)")
	addr := fs.String("addr", "127.0.0.1:7400", "address to listen on")
	logLevel := fs.String("log-level", "warn", "log level of the server: debug, info, warn or error")
	if err := parseArgs(fs, args, 0, stdout, stderr); err != nil {
		return err
	}
	// A quick check, so that a busy address does not leave a seeded store unserved (serve binds
	// for good once the store is seeded).
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	ln.Close()
	dir, err := demoDir(*data)
	if err != nil {
		return err
	}
	file := filepath.Join(dir, "billd.db")
	seed, err := demoSeedStore(ctx, file, stderr)
	if err != nil {
		return err
	}
	out := &demoOutput{w: stdout, summary: demoSummary(seed, dir)}
	return serve(ctx, []string{"--db", file, "--addr", *addr, "--log-level", *logLevel}, demoEnv(getenv), out, stderr)
}

// demoEnv is the environment of the demo's server: getenv without billd's variables, which
// configure the operator's own server (BILLD_PROVIDER=stripe, BILLD_CONFIG, an admin of its own…),
// not the sample store the demo seeded and serves with flags of its own.
func demoEnv(getenv func(string) string) func(string) string {
	return func(name string) string {
		if strings.HasPrefix(name, "BILLD_") {
			return ""
		}
		return getenv(name)
	}
}

// demoDir returns the demo's directory: data, which must hold no store, or a new one under the
// user's cache.
func demoDir(data string) (string, error) {
	if data != "" {
		if storeExists(filepath.Join(data, "billd.db")) {
			return "", usageError{fmt.Sprintf("demo: %s holds a store already; billd demo needs an empty --data (serve that one with billd serve --data %s)", data, data)}
		}
		return data, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("demo: no cache directory (%w); give --data", err)
	}
	if err := os.MkdirAll(filepath.Join(cache, "billd"), 0o700); err != nil {
		return "", err
	}
	return os.MkdirTemp(filepath.Join(cache, "billd"), "demo-")
}

// demoSeedStore creates the store file and seeds it, under the store's lock.
func demoSeedStore(ctx context.Context, file string, stderr io.Writer) (*demoSeed, error) {
	unlock, err := lockStore(file)
	if err != nil {
		return nil, err
	}
	defer unlock()
	db, err := sqlstore.Open(ctx, file, sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return seedDemo(ctx, db, time.Now(), newLogger(stderr, slog.LevelWarn))
}

// demoSummary returns what the demo prints once it listens on addr.
func demoSummary(seed *demoSeed, dir string) func(addr string) string {
	return func(base string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "billd demo: %s bought %d credits through the sandbox and used %d over the last %d days (%d reverted).\n",
			seed.orgTitle, seed.purchased, seed.used, demoDays, seed.reverted)
		fmt.Fprintf(&b, "  console:             %s/console/\n", base)
		fmt.Fprintf(&b, "  api:                 %s  (reference: %s/docs)\n", base, base)
		fmt.Fprintf(&b, "  organization:        %s\n  billing account:     %s\n", seed.orgID, seed.accountID)
		for _, c := range []struct {
			who    string
			client *billd.NewAPIClient
		}{{"owner", seed.owner}, {"admin", seed.admin}} {
			fmt.Fprintf(&b, "  %s client_id:     %s\n  %s client_secret: %s\n  %s api_key:       %s\n",
				c.who, c.client.Client.ID, c.who, c.client.Secret, c.who, c.client.APIKey)
		}
		fmt.Fprintf(&b, "Sign in to the console as the owner (an organization's view) or the admin (the platform's).\n"+
			"The store is %s: billd serve --data %s serves it again. Ctrl-C stops.\n", dir, dir)
		return b.String()
	}
}

// demoOutput is serve's standard output in the demo: it passes it on, and prints the demo's
// summary just before the "billd listening on URL" line, which stays the last.
type demoOutput struct {
	w       io.Writer
	summary func(url string) string

	mu   sync.Mutex
	line []byte
	done bool
}

func (o *demoOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return o.w.Write(p)
	}
	o.line = append(o.line, p...)
	for {
		i := bytes.IndexByte(o.line, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(o.line[:i+1])
		o.line = o.line[i+1:]
		if url, ok := strings.CutPrefix(line, "billd listening on "); ok {
			if _, err := io.WriteString(o.w, o.summary(strings.TrimSpace(url))); err != nil {
				return 0, err
			}
			o.done = true
			_, err := o.w.Write(append([]byte(line), o.line...))
			return len(p), err
		}
		if _, err := io.WriteString(o.w, line); err != nil {
			return 0, err
		}
	}
}
