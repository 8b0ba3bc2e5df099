package stripe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The stripe-mock of this test binary: one process for all tests, started by TestMain on
// loopback ports and stopped when the tests end. stripe-mock is stateless: it checks each
// request against Stripe's OpenAPI document and answers with a fixture of the right shape, so
// the tests check what billd sends and how it reads the answers, not stored state.
var (
	mockBase    string // http://127.0.0.1:PORT, "" when stripe-mock is not running
	mockMissing string // why it is not running
)

// requireMockEnv makes a missing stripe-mock a failure instead of a skip (CI sets it).
const requireMockEnv = "BILLD_REQUIRE_STRIPE_MOCK"

func TestMain(m *testing.M) {
	stop := startMock()
	code := m.Run()
	stop()
	os.Exit(code)
}

// startMock starts stripe-mock if its binary is found, and returns what stops it.
func startMock() (stop func()) {
	bin, err := findMock()
	if err != nil {
		mockMissing = err.Error()
		return func() {}
	}
	for attempt := 0; attempt < 3; attempt++ { // a free port may be taken between the probe and the start
		var m *mockProcess
		if m, err = runMock(bin); err == nil {
			mockBase = m.base
			return m.stop
		}
	}
	mockBase, mockMissing = "", "stripe-mock did not start: "+err.Error()
	return func() {}
}

// findMock finds the stripe-mock binary on PATH, in GOBIN or in GOPATH/bin.
func findMock() (string, error) {
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
	return "", fmt.Errorf("stripe-mock is not on PATH nor in %s; install it with `GOFLAGS= go install github.com/stripe/stripe-mock@v0.203.0`", strings.Join(dirs, ", "))
}

// mockProcess is a running stripe-mock.
type mockProcess struct {
	base   string
	cmd    *exec.Cmd
	exited chan error // receives cmd.Wait's error when the process ends
}

// runMock starts bin on two free loopback ports (it serves HTTP and HTTPS; both are bound to
// 127.0.0.1) and waits, at most 30 s, until it answers.
func runMock(bin string) (*mockProcess, error) {
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", httpPort)
	m := &mockProcess{
		base:   "http://" + httpAddr,
		cmd:    exec.Command(bin, "-http-addr", httpAddr, "-https-addr", fmt.Sprintf("127.0.0.1:%d", httpsPort)),
		exited: make(chan error, 1),
	}
	var logs syncBuffer
	m.cmd.Stdout, m.cmd.Stderr = &logs, &logs
	if err := m.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { m.exited <- m.cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if mockAnswers(ctx, m.base) {
			return m, nil
		}
		select {
		case err := <-m.exited:
			return nil, fmt.Errorf("stripe-mock exited (%v): %s", err, logs.String())
		case <-ctx.Done():
			m.stop()
			return nil, fmt.Errorf("stripe-mock did not answer on %s within 30 s", m.base)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop kills stripe-mock and waits, at most 10 s, until it is reaped.
func (m *mockProcess) stop() {
	_ = m.cmd.Process.Kill()
	select {
	case <-m.exited:
	case <-time.After(10 * time.Second):
	}
}

// syncBuffer is a bytes.Buffer safe for the writes of a process's output copier and a read.
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

// mockAnswers reports whether stripe-mock answers a request at base.
func mockAnswers(ctx context.Context, base string) bool {
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

// needMock returns stripe-mock's base URL, or skips the test when stripe-mock is not installed
// (fails it when BILLD_REQUIRE_STRIPE_MOCK=1).
func needMock(t *testing.T) string {
	t.Helper()
	if mockBase != "" {
		return mockBase
	}
	if os.Getenv(requireMockEnv) == "1" {
		t.Fatalf("%s=1 but %s", requireMockEnv, mockMissing)
	}
	t.Skipf("skipped: %s (set %s=1 to make this a failure)", mockMissing, requireMockEnv)
	return ""
}

// Test secrets of the webhook endpoint: the current one and the one being rolled in.
const (
	testSecret1 = "whsec_test_first"
	testSecret2 = "whsec_test_second"
)

// testProvider returns a Provider talking to stripe-mock through a recorder, its clock fixed.
func testProvider(t *testing.T) (*Provider, *recorder) {
	t.Helper()
	return testProviderRetrying(t, 2)
}

// testProviderRetrying is testProvider with stripe-go retrying a request that many times.
func testProviderRetrying(t *testing.T, retries int64) (*Provider, *recorder) {
	t.Helper()
	base := needMock(t)
	rec := &recorder{next: http.DefaultTransport}
	p, err := newProvider(Config{
		Key:            "sk_test_123",
		APIBase:        base,
		WebhookSecrets: []string{testSecret1, testSecret2},
		HTTPClient:     &http.Client{Transport: rec, Timeout: 10 * time.Second},
	}, retries)
	if err != nil {
		t.Fatal(err)
	}
	p.now = func() time.Time { return testNow }
	return p, rec
}

// testNow is the fixed clock of the tests.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// recorded is one request sent to Stripe.
type recorded struct {
	Method string
	Path   string
	Form   url.Values // the form body of a POST, the query of a GET or DELETE
	Header http.Header
}

// recorder is an http.RoundTripper that records each request and may rewrite an answer, to
// give stripe-mock's fixtures a field value a test needs (a default payment method, a declined
// card, an outage).
type recorder struct {
	next http.RoundTripper

	mu       sync.Mutex
	requests []recorded
	rewrites []rewrite
}

// rewrite replaces the answer to requests of a method and path.
type rewrite struct {
	method, path string
	fn           func(status int, body []byte) (int, []byte)
}

// RoundTrip records req, sends it on and applies the rewrites that match.
func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := recorded{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Form: req.URL.Query()}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil && len(body) > 0 {
			rec.Form = form
		}
	}
	r.mu.Lock()
	r.requests = append(r.requests, rec)
	rewrites := append([]rewrite(nil), r.rewrites...)
	r.mu.Unlock()
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	for _, rw := range rewrites {
		if rw.method == req.Method && rw.path == req.URL.Path {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return nil, err
			}
			resp.StatusCode, body = rw.fn(resp.StatusCode, body)
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Del("Content-Length")
		}
	}
	return resp, nil
}

// rewrite makes fn rewrite the answers to method path.
func (r *recorder) rewrite(method, path string, fn func(status int, body []byte) (int, []byte)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rewrites = append(r.rewrites, rewrite{method, path, fn})
}

// all returns the recorded requests, oldest first.
func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.requests...)
}

// last returns the last request of method path, failing the test if there is none.
func (r *recorder) last(t *testing.T, method, path string) recorded {
	t.Helper()
	reqs := r.all()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Path == path {
			return reqs[i]
		}
	}
	var seen []string
	for _, q := range reqs {
		seen = append(seen, q.Method+" "+q.Path)
	}
	t.Fatalf("no %s %s request; sent: %v", method, path, seen)
	return recorded{}
}

// wantForm checks fields of a request's form.
func wantForm(t *testing.T, req recorded, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, ok := req.Form[k]; !ok {
			t.Errorf("%s %s: %s missing, want %q", req.Method, req.Path, k, v)
		} else if len(got) != 1 || got[0] != v {
			t.Errorf("%s %s: %s = %q, want %q", req.Method, req.Path, k, got, v)
		}
	}
}

// noForm checks that a request's form leaves fields out.
func noForm(t *testing.T, req recorded, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if v, ok := req.Form[k]; ok {
			t.Errorf("%s %s: %s = %q, want it left out", req.Method, req.Path, k, v)
		}
	}
}

// stripeErrorBody is the body of a Stripe API error.
func stripeErrorBody(typ, code, msg string) []byte {
	return fmt.Appendf(nil, `{"error":{"type":%q,"code":%q,"message":%q}}`, typ, code, msg)
}

// patchJSON returns a rewrite that sets top-level fields of a JSON answer.
func patchJSON(fields map[string]any) func(int, []byte) (int, []byte) {
	return func(status int, body []byte) (int, []byte) {
		var obj map[string]any
		if json.Unmarshal(body, &obj) != nil {
			return status, body
		}
		for k, v := range fields {
			obj[k] = v
		}
		out, err := json.Marshal(obj)
		if err != nil {
			return status, body
		}
		return status, out
	}
}
