package stripe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/billd/billd/stripe/stripetest"
)

// The stripe-mock of this test binary: one process for all tests, started by TestMain and
// stopped when the tests end (stripetest says what stripe-mock is and is not).
var (
	mock        *stripetest.Mock // nil when stripe-mock is not running
	mockMissing error            // why it is not running
)

func TestMain(m *testing.M) {
	mock, mockMissing = stripetest.Start()
	code := m.Run()
	if mock != nil {
		mock.Stop()
	}
	os.Exit(code)
}

// needMock returns stripe-mock's base URL, or skips the test when stripe-mock is not installed
// (fails it when BILLD_REQUIRE_STRIPE_MOCK=1).
func needMock(t *testing.T) string {
	t.Helper()
	if mock == nil {
		stripetest.Missing(t, mockMissing)
	}
	return mock.URL
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
