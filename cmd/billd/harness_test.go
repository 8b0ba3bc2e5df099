package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/billd/billd/sqlstore/sqltest"
)

// The end-to-end tests run `billd serve` on port 0 and speak HTTP to it. A server runs in one of
// two ways, the same in every other respect (requests, fixtures, shutdown, logs):
//   - in this test process, the real run function on a goroutine (serveWith, startServer,
//     eachStore): cheap, for every test of the API;
//   - as a child process of the built binary (spawn, launch), for what only a process can show:
//     SIGKILL, several nodes on one database, memory. Those run with BILLD_PROCESS_TESTS=1.

const (
	adminID     = "e2e-admin"
	adminSecret = "e2e-admin-secret-0123456789"
	adminKey    = "billd_e2e-admin-api-key-0123456789"

	startTimeout = 30 * time.Second // how long a server may take to print "billd listening on"
	stopTimeout  = 20 * time.Second // how long a server may take to end once told to
	waitTimeout  = 30 * time.Second // how long a condition that should soon hold may take
)

// sandboxSecret signs the sandbox's webhook events in the tests.
const sandboxSecret = "e2e-sandbox-webhook-secret-0123456789"

// adminEnv is the environment of a billd whose platform admin, and sandbox webhook secret, the
// tests know.
var adminEnv = map[string]string{
	"BILLD_ADMIN_CLIENT_ID":     adminID,
	"BILLD_ADMIN_CLIENT_SECRET": adminSecret,
	"BILLD_ADMIN_API_KEY":       adminKey,
	"BILLD_SANDBOX_SECRET":      sandboxSecret,
}

// server is a running billd as one test sees it: the request helpers (do, ok, fails) report to t.
type server struct {
	t testing.TB
	*serving
}

// serving is one run of `billd serve`, in process or as a child process.
type serving struct {
	name   string // names the server in messages
	url    string // http://127.0.0.1:port, once it listens
	dsn    string
	http   *http.Client
	banner []string     // what serve printed before "billd listening on"
	stop   func() error // shuts it down gracefully and returns how it ended (also run when the test ends)

	out     *serveOutput
	log     func() string // the server's log so far
	done    chan struct{} // closed once serve has ended; exitErr then says how
	exitErr error
	process *os.Process // the child process; nil in process
	killed  bool
}

// forTest returns s reporting to t, for use inside a subtest.
func (s *server) forTest(t testing.TB) *server { return &server{t: t, serving: s.serving} }

// eachStore runs fn against a billd on SQLite and one on PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, s *server)) {
	t.Helper()
	eachStoreWith(t, adminEnv, nil, fn)
}

// eachStoreWith is eachStore with billd served with the environment env and extra flags.
func eachStoreWith(t *testing.T, env map[string]string, flags []string, fn func(t *testing.T, s *server)) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, serveWith(t, sqltest.MigratedDSN(t, name), env, flags...))
		})
	}
}

// startServer runs `billd serve --addr 127.0.0.1:0 --db dsn` in process with the known admin until
// the test ends, and checks that it then shuts down cleanly.
func startServer(t testing.TB, dsn string) *server {
	t.Helper()
	return serveWith(t, dsn, adminEnv)
}

// serveWith runs `billd serve` on dsn in process with the environment env and extra flags, and
// returns once it listens.
func serveWith(t testing.TB, dsn string, env map[string]string, flags ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	s := newServing(t, "billd", dsn, stderr.String, func() error { cancel(); return nil })
	go func() {
		err := run(ctx, serveArgs(dsn, "warn", flags), func(k string) string { return env[k] },
			strings.NewReader(""), s.out, stderr)
		s.exit(err)
	}()
	return s.waitListening()
}

// refusedStart runs billd with args and the environment env in process, expecting it to end on
// its own, and returns what run returned and the lines it printed. It fails t if billd listens
// instead (it is then stopped), or neither listens nor ends within startTimeout.
func refusedStart(t testing.TB, env map[string]string, args ...string) (stdout string, err error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &serveOutput{listen: make(chan string, 1)}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), out, &syncBuffer{})
	}()
	select {
	case err := <-done:
		return strings.Join(out.banner(), "\n"), err
	case url := <-out.listen:
		cancel()
		select {
		case <-done:
		case <-time.After(stopTimeout):
		}
		t.Fatalf("billd %v listened on %s; want it to refuse to start", args, url)
	case <-time.After(startTimeout):
		t.Fatalf("billd %v neither listened nor ended within %s", args, startTimeout)
	}
	return "", nil
}

// spawn runs `billd serve` on dsn as a child process of the built binary, with the known admin
// and extra flags, and returns once it listens. Its log is appended to logPath (a fresh file if
// ""), which the restarts of one node may share. It skips t unless the process-level tests are
// switched on.
func spawn(t *testing.T, name, dsn, logPath string, flags ...string) *server {
	t.Helper()
	return launch(t, name, dsn, logPath, flags...).waitListening()
}

// launch starts the child process as spawn does, without waiting for it to listen: waitListening
// does. Several launched at once start together.
func launch(t *testing.T, name, dsn, logPath string, flags ...string) *server {
	t.Helper()
	bin := procBuild(t)
	if logPath == "" {
		logPath = filepath.Join(t.TempDir(), "serve.log")
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child has its own copy
	fmt.Fprintf(logFile, "===== %s: start at %s\n", name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(bin, serveArgs(dsn, "info", flags)...)
	cmd.Env = childEnviron(adminEnv)
	cmd.Stderr = logFile
	var s *server
	s = newServing(t, name, dsn, func() string { return readLog(logPath) }, func() error {
		return s.process.Signal(syscall.SIGTERM)
	})
	cmd.Stdout = s.out
	if err := cmd.Start(); err != nil {
		s.exit(err)
		t.Fatalf("start %s: %v", name, err)
	}
	s.process = cmd.Process
	go func() {
		err := cmd.Wait()
		fmt.Fprintf(logAppender(logPath), "===== %s: exited (%v) at %s\n", name, err, time.Now().Format(time.RFC3339Nano))
		s.exit(err)
	}()
	return s
}

// testHashIterations is the PBKDF2 cost of the admin's chosen secret in test servers: the
// algorithm of production at a thousandth of its cost.
const testHashIterations = "600"

// serveArgs are the arguments of every test server: port 0, the store, a log level and the test
// connection bound, then extra flags.
func serveArgs(dsn, logLevel string, flags []string) []string {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--log-level", logLevel,
		"--db-conns", strconv.Itoa(sqltest.MaxConns), "--secret-hash-iterations", testHashIterations}
	return append(args, flags...)
}

// childEnviron is the test's environment without the variables that would change what billd
// serves, plus env.
func childEnviron(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BILLD_") {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// newServing returns the server of a run about to start: log returns its log, interrupt asks it
// to shut down. When the test ends it is stopped and its log shown if the test failed.
func newServing(t testing.TB, name, dsn string, log func() string, interrupt func() error) *server {
	s := &server{t: t, serving: &serving{name: name, dsn: dsn, http: &http.Client{Timeout: 30 * time.Second},
		out: &serveOutput{listen: make(chan string, 1)}, log: log, done: make(chan struct{})}}
	s.stop = sync.OnceValue(func() error { return s.shutdown(interrupt) })
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("%s: %v\nlog:\n%s", name, err, s.logTail(80))
		} else if t.Failed() {
			t.Logf("%s log:\n%s", name, s.logTail(80))
		}
	})
	return s
}

// exit records how serve ended.
func (s *serving) exit(err error) {
	s.exitErr = err
	close(s.done)
}

// exited reports whether serve has ended.
func (s *serving) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// waitListening waits until the server prints its address, failing the test if it ends or does
// not listen within startTimeout.
func (s *server) waitListening() *server {
	s.t.Helper()
	select {
	case s.url = <-s.out.listen:
		s.banner = s.out.banner()
		return s
	case <-s.done:
		s.t.Fatalf("%s exited before listening: %v\nstdout: %q\nlog:\n%s", s.name, s.exitErr, s.out.banner(), s.logTail(80))
	case <-time.After(startTimeout):
		s.t.Fatalf("%s did not print \"billd listening on\" within %s\nstdout: %q\nlog:\n%s",
			s.name, startTimeout, s.out.banner(), s.logTail(80))
	}
	return nil
}

// shutdown asks serve to end with interrupt and returns how it ended: nil after a clean shutdown
// or a kill, else what went wrong.
func (s *serving) shutdown(interrupt func() error) error {
	switch {
	case s.killed:
		return nil
	case s.exited():
		return fmt.Errorf("exited on its own: %v", s.exitErr)
	}
	if err := interrupt(); err != nil {
		return fmt.Errorf("interrupt: %w", err)
	}
	select {
	case <-s.done:
		if s.exitErr != nil {
			return fmt.Errorf("did not shut down cleanly: %w", s.exitErr)
		}
		return nil
	case <-time.After(stopTimeout):
		if s.process != nil {
			s.process.Kill()
		}
		return fmt.Errorf("did not shut down within %s", stopTimeout)
	}
}

// kill ends a child process with SIGKILL and waits for it. It fails the test if the server runs
// in process or had already ended on its own.
func (s *server) kill() {
	s.t.Helper()
	switch {
	case s.process == nil:
		s.t.Fatalf("%s runs in this process: it cannot be killed", s.name)
	case s.exited():
		s.t.Fatalf("%s exited on its own before it was killed: %v\nlog:\n%s", s.name, s.exitErr, s.logTail(80))
	}
	s.killed = true
	if err := s.process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatalf("SIGKILL %s: %v", s.name, err)
	}
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		s.t.Fatalf("%s (pid %d) did not exit within %s of SIGKILL", s.name, s.process.Pid, stopTimeout)
	}
}

// logTail returns the last n lines of the server's log.
func (s *serving) logTail(n int) string {
	lines := strings.Split(strings.TrimRight(s.log(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// serveOutput is serve's standard output: it keeps the banner and reports the address serve
// prints once it listens.
type serveOutput struct {
	listen chan string // receives the URL once

	mu       sync.Mutex
	lines    []string // the banner
	line     []byte
	listened bool
}

func (o *serveOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range p {
		if c != '\n' {
			o.line = append(o.line, c)
			continue
		}
		if rest, ok := strings.CutPrefix(string(o.line), "billd listening on "); ok && !o.listened {
			o.listen <- strings.TrimSpace(rest)
			o.listened = true
		} else if !o.listened {
			o.lines = append(o.lines, string(o.line))
		}
		o.line = o.line[:0]
	}
	return len(p), nil
}

// banner returns what serve printed before it listened.
func (o *serveOutput) banner() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.lines...)
}

// syncBuffer collects an in-process server's log.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// readLog returns a child's log file.
func readLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return string(b)
}

// logAppender is a log file that each write appends to.
type logAppender string

func (a logAppender) Write(b []byte) (int, error) {
	f, err := os.OpenFile(string(a), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.Write(b)
}

// eventually calls cond until it returns nil, and fails t with what and cond's last error if that
// takes longer than waitTimeout. Tries are spaced as retry spaces them.
func eventually(t testing.TB, what string, cond func() error) {
	t.Helper()
	if err := retry(waitTimeout, cond); err != nil {
		t.Fatalf("%s: still %v after %s", what, err, waitTimeout)
	}
}

// retry calls try until it returns nil or timeout has passed, pausing between tries (a millisecond
// at first, doubling up to 100 ms), and returns try's last error.
func retry(timeout time.Duration, try func() error) error {
	deadline := time.Now().Add(timeout)
	for pause := time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		err := try()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(pause)
	}
}
