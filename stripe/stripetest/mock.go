// Package stripetest runs stripe-mock, Stripe's API simulator, for tests: it finds the binary,
// starts it on free loopback ports, waits (boundedly) until it answers and stops it. Only test
// files import it.
//
// stripe-mock is stateless: it checks each request against Stripe's OpenAPI document and answers
// with a fixture of the right shape (a create makes a new id each time), so tests check what
// billd sends and how it reads the answers, not stored state.
//
// A test that needs stripe-mock is skipped when the binary is not installed, unless RequireEnv
// is 1 (as in CI), which makes that a failure.
package stripetest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireEnv, set to 1, makes a missing stripe-mock a failure instead of a skip.
const RequireEnv = "BILLD_REQUIRE_STRIPE_MOCK"

// Install is how to install the stripe-mock the tests are known to work with.
const Install = "GOFLAGS= go install github.com/stripe/stripe-mock@v0.203.0"

// Bounds of the waits on the process.
const (
	startTimeout = 30 * time.Second // until a started stripe-mock answers
	stopTimeout  = 10 * time.Second // until a killed stripe-mock is reaped
)

// Mock is a running stripe-mock.
type Mock struct {
	// URL is its HTTP base URL, http://127.0.0.1:PORT: a Stripe API base.
	URL string

	cmd    *exec.Cmd
	exited chan error // receives cmd.Wait's error when the process ends
	logs   *syncBuffer
	once   sync.Once
}

// Need returns a stripe-mock for t, stopped when t ends. It skips t when stripe-mock is not
// installed or does not start (fails it when RequireEnv is 1).
func Need(t testing.TB) *Mock {
	t.Helper()
	m, err := Start()
	if err != nil {
		Missing(t, err)
		return nil
	}
	t.Cleanup(m.Stop)
	return m
}

// Missing ends t because stripe-mock is not available (why): a skip, or a failure when
// RequireEnv is 1.
func Missing(t testing.TB, why error) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s=1 but %v", RequireEnv, why)
	}
	t.Skipf("skipped: %v (set %s=1 to make this a failure)", why, RequireEnv)
}

// Start finds stripe-mock and starts it on free loopback ports. The caller stops it.
func Start() (*Mock, error) {
	bin, err := Find()
	if err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 3; attempt++ { // a free port may be taken between the probe and the start
		var m *Mock
		if m, err = run(bin); err == nil {
			return m, nil
		}
	}
	return nil, fmt.Errorf("stripe-mock did not start: %w", err)
}

// Find returns the path of the stripe-mock binary: on PATH, in GOBIN or in GOPATH/bin.
func Find() (string, error) {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p, nil
	}
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	for _, d := range filepath.SplitList(gopath) {
		dirs = append(dirs, filepath.Join(d, "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "stripe-mock")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("stripe-mock is not on PATH nor in %s; install it with `%s`", strings.Join(dirs, ", "), Install)
}

// run starts bin on two free loopback ports (it serves HTTP and HTTPS; both are bound to
// 127.0.0.1) and waits, at most startTimeout, until it answers.
func run(bin string) (*Mock, error) {
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", httpPort)
	m := &Mock{
		URL:    "http://" + httpAddr,
		cmd:    exec.Command(bin, "-http-addr", httpAddr, "-https-addr", fmt.Sprintf("127.0.0.1:%d", httpsPort)),
		exited: make(chan error, 1),
		logs:   &syncBuffer{},
	}
	m.cmd.Stdout, m.cmd.Stderr = m.logs, m.logs
	if err := m.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { m.exited <- m.cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		if answers(ctx, m.URL) {
			return m, nil
		}
		select {
		case err := <-m.exited:
			return nil, fmt.Errorf("stripe-mock exited (%v): %s", err, m.logs.String())
		case <-ctx.Done():
			m.Stop()
			return nil, fmt.Errorf("stripe-mock did not answer on %s within %s", m.URL, startTimeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop kills stripe-mock and waits, at most stopTimeout, until it is reaped. Stopping twice is
// stopping once.
func (m *Mock) Stop() {
	m.once.Do(func() {
		_ = m.cmd.Process.Kill()
		select {
		case <-m.exited:
		case <-time.After(stopTimeout):
		}
	})
}

// Log returns what stripe-mock has printed.
func (m *Mock) Log() string { return m.logs.String() }

// answers reports whether stripe-mock answers a request at base.
func answers(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/customers/cus_probe", nil)
	req.SetBasicAuth("sk_test_123", "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// maxLog bounds the output of stripe-mock that is kept: the start of it, where a failure to
// start shows.
const maxLog = 64 << 10

// syncBuffer is a bytes.Buffer safe for the writes of a process's output copier and a read; it
// keeps the first maxLog bytes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p[:min(len(p), max(0, maxLog-b.buf.Len()))])
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
