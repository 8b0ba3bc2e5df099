package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/client"
	"github.com/billd/billd/sqlstore/sqltest"
)

// The process tests run the real billd binary as child processes, so that they can kill it with
// SIGKILL or run several nodes on one database. Their helpers are prefixed with proc.

const (
	procAdminID     = "proc-admin"
	procAdminSecret = "proc-admin-secret-0123456789"
	procAdminKey    = "billd_proc-admin-api-key-0123456789"

	procStartTimeout = 30 * time.Second // how long a server may take to print "billd listening on"
	procExitTimeout  = 20 * time.Second // how long a signalled server may take to exit
)

// processTestsEnv switches the process-level tests on: they build the binary, run servers as child
// processes and load them for seconds, so they run in .ci/run, not in every `go test ./...`.
const processTestsEnv = "BILLD_PROCESS_TESTS"

// procRequired skips t unless the process-level tests are switched on.
func procRequired(t *testing.T) {
	t.Helper()
	if os.Getenv(processTestsEnv) != "1" {
		t.Skipf("a process-level test: set %s=1 to run it (.ci/run does)", processTestsEnv)
	}
}

// procBinary is the billd binary the process tests run, built once per test process.
var procBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// procBuild builds this command once (into a temporary directory that TestMain removes) and
// returns the binary's path; it skips t unless the process-level tests are switched on.
func procBuild(t *testing.T) string {
	t.Helper()
	procRequired(t)
	procBinary.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			procBinary.err = fmt.Errorf("the go tool is needed to build billd: %w", err)
			return
		}
		if procBinary.dir, err = os.MkdirTemp("", "billd-proc-"); err != nil {
			procBinary.err = err
			return
		}
		bin := filepath.Join(procBinary.dir, "billd")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			procBinary.err = fmt.Errorf("go build -o %s .: %w\n%s", bin, err, out)
			return
		}
		procBinary.path = bin
	})
	if procBinary.err != nil {
		t.Fatal(procBinary.err)
	}
	return procBinary.path
}

// procCleanup removes the binary procBuild built.
func procCleanup() {
	if procBinary.dir != "" {
		os.RemoveAll(procBinary.dir)
	}
}

// procServer is one `billd serve` child process.
type procServer struct {
	t       *testing.T
	name    string // names the process in messages
	cmd     *exec.Cmd
	url     string // http://127.0.0.1:port
	logPath string // its stderr (slog) log, shared by the restarts of one node
	stdout  *procStdout
	done    chan struct{} // closed when the process has exited and waitErr is set
	waitErr error
}

// procStdout collects the server's stdout and reports the address it prints once it listens.
type procStdout struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	line   []byte
	listen chan string // receives the URL once
	sent   bool
}

func (w *procStdout) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for _, c := range p {
		if c != '\n' {
			w.line = append(w.line, c)
			continue
		}
		if rest, ok := strings.CutPrefix(string(w.line), "billd listening on "); ok && !w.sent {
			w.sent = true
			w.listen <- strings.TrimSpace(rest)
		}
		w.line = w.line[:0]
	}
	return len(p), nil
}

func (w *procStdout) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// procStart starts `billd serve --addr 127.0.0.1:0 --db dsn` with the test's platform admin, appends
// its log to logPath, and returns once it listens (failing t if it does not within
// procStartTimeout). The process is killed when the test ends if it still runs.
func procStart(t *testing.T, bin, name, dsn, logPath string, flags ...string) *procServer {
	t.Helper()
	p := procLaunch(t, bin, name, dsn, logPath, flags...)
	p.waitListening()
	return p
}

// procLaunch starts the process without waiting for it to listen; waitListening does.
func procLaunch(t *testing.T, bin, name, dsn, logPath string, flags ...string) *procServer {
	t.Helper()
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(logFile, "===== %s: start at %s\n", name, time.Now().Format(time.RFC3339Nano))
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--log-level", "info",
		"--db-conns", strconv.Itoa(sqltest.MaxConns)}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(procEnviron(),
		"BILLD_ADMIN_CLIENT_ID="+procAdminID,
		"BILLD_ADMIN_CLIENT_SECRET="+procAdminSecret,
		"BILLD_ADMIN_API_KEY="+procAdminKey)
	out := &procStdout{listen: make(chan string, 1)}
	cmd.Stdout = out
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	logFile.Close() // the child has its own copy
	p := &procServer{t: t, name: name, cmd: cmd, logPath: logPath, stdout: out, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			p.cmd.Process.Kill()
			select {
			case <-p.done:
			case <-time.After(procExitTimeout):
				t.Errorf("%s (pid %d) did not exit within %s of SIGKILL", p.name, p.cmd.Process.Pid, procExitTimeout)
			}
		}
	})
	return p
}

// procEnviron is the test's environment without the variables that would change what billd
// serves.
func procEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BILLD_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitListening waits until the process prints its address.
func (p *procServer) waitListening() {
	p.t.Helper()
	select {
	case u := <-p.stdout.listen:
		p.url = u
	case <-p.done:
		p.t.Fatalf("%s exited before listening: %v\nstdout:\n%s\nlog:\n%s", p.name, p.waitErr, p.stdout.String(), p.logTail(60))
	case <-time.After(procStartTimeout):
		p.t.Fatalf("%s did not print \"billd listening on\" within %s\nstdout:\n%s\nlog:\n%s",
			p.name, procStartTimeout, p.stdout.String(), p.logTail(60))
	}
}

// exited reports whether the process has exited.
func (p *procServer) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the process to exit. It fails t if the process had already
// exited on its own.
func (p *procServer) kill() {
	p.t.Helper()
	if p.exited() {
		p.t.Fatalf("%s exited on its own before it was killed: %v\nlog:\n%s", p.name, p.waitErr, p.logTail(60))
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatalf("SIGKILL %s: %v", p.name, err)
	}
	p.waitExit()
}

// stop sends SIGTERM and checks that the server shuts down cleanly (exit status 0).
func (p *procServer) stop() {
	p.t.Helper()
	if p.exited() {
		p.t.Fatalf("%s exited on its own: %v\nlog:\n%s", p.name, p.waitErr, p.logTail(60))
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatalf("SIGTERM %s: %v", p.name, err)
	}
	p.waitExit()
	if p.waitErr != nil {
		p.t.Errorf("%s did not shut down cleanly on SIGTERM: %v\nlog:\n%s", p.name, p.waitErr, p.logTail(60))
	}
}

func (p *procServer) waitExit() {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(procExitTimeout):
		p.t.Fatalf("%s (pid %d) did not exit within %s of the signal", p.name, p.cmd.Process.Pid, procExitTimeout)
	}
	fmt.Fprintf(procLogFile(p.logPath), "===== %s: exited (%v) at %s\n", p.name, p.waitErr, time.Now().Format(time.RFC3339Nano))
}

// procLogFile is a log file that each write appends to.
type procLogFile string

func (a procLogFile) Write(b []byte) (int, error) {
	f, err := os.OpenFile(string(a), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.Write(b)
}

// logTail returns the last n lines of the node's log.
func (p *procServer) logTail(n int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// admin returns a client of the server as the platform admin, with conns connections.
func (p *procServer) admin(conns int) *client.Client {
	return client.New(p.url, procAdminID, procAdminSecret, conns)
}

// procStatus returns the HTTP status of a client error, 0 for a transport error.
func procStatus(err error) int {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// procIsError reports whether err is the server's answer with this status and a message
// containing msg.
func procIsError(err error, status int, msg string) bool {
	var e *client.Error
	return errors.As(err, &e) && e.Status == status && strings.Contains(e.Message, msg)
}

// procAccount is an account the process tests set up.
type procAccount struct {
	orgID, id string
}

// procSetup creates n organizations, each with a billing account (credit_min creditMin) granted
// grant credits under a fresh grant id, and a platform meter client; it returns the accounts and the
// meter's credentials.
func procSetup(t *testing.T, admin *client.Client, prefix string, n int, grant, creditMin int64) ([]procAccount, client.Credentials) {
	t.Helper()
	ctx := context.Background()
	accounts := make([]procAccount, n)
	for i := range accounts {
		orgID, err := admin.CreateOrganization(ctx, fmt.Sprintf("%s-%d", prefix, i), "process test")
		if err != nil {
			t.Fatalf("create organization: %v", err)
		}
		id, err := admin.CreateBillingAccount(ctx, orgID, "process test")
		if err != nil {
			t.Fatalf("create billing account: %v", err)
		}
		if err := admin.SetCreditMin(ctx, orgID, id, creditMin); err != nil {
			t.Fatalf("set credit_min: %v", err)
		}
		if err := admin.GrantCredits(ctx, orgID, id, procNewID(), grant); err != nil {
			t.Fatalf("grant credits: %v", err)
		}
		accounts[i] = procAccount{orgID: orgID, id: id}
	}
	meter, err := admin.CreateClient(ctx, prefix+"-meter", "meter", "")
	if err != nil {
		t.Fatalf("create meter client: %v", err)
	}
	return accounts, meter
}

// procNewID returns a fresh UUID (a usage, grant or idempotency key).
func procNewID() string { return billd.NewUUID() }

// procEach runs fn(0..n-1) on up to workers goroutines.
func procEach(n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// procRetry503 calls send until it answers something else than 503 (a refusal before anything
// is queued), at most 100 times.
func procRetry503(send func() error) error {
	var err error
	for range 100 {
		if err = send(); procStatus(err) != 503 {
			return err
		}
	}
	return err
}
