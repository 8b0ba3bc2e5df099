package sandbox

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd"
)

var testSecret = []byte("0123456789abcdef-test-secret")

// testClock is a clock the test sets.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// fakeApp is billd's side of the page: the checkouts it knows.
type fakeApp struct {
	mu        sync.Mutex
	checkouts map[string]*billd.Checkout
	lines     map[string][]billd.CheckoutLine
}

func (a *fakeApp) HostedCheckout(ctx context.Context, id string) (*billd.Checkout, []billd.CheckoutLine, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.checkouts[id]
	if c == nil {
		return nil, nil, billd.Errorf(billd.ENOTFOUND, "no checkout %q", id)
	}
	cc := *c
	return &cc, a.lines[id], nil
}

func (a *fakeApp) put(c *billd.Checkout, lines []billd.CheckoutLine) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checkouts[c.ID] = c
	a.lines[c.ID] = lines
}

// delivery is one event the sandbox delivered.
type delivery struct {
	payload []byte
	header  map[string][]string
}

// recorder is Deliver: it records what it is given, or fails with err.
type recorder struct {
	mu         sync.Mutex
	deliveries []delivery
	err        error
	hook       func() // called before recording, if set (outside the lock)
}

func (r *recorder) Deliver(ctx context.Context, payload []byte, header map[string][]string) error {
	r.mu.Lock()
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		hook()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.deliveries = append(r.deliveries, delivery{payload, header})
	return nil
}

func (r *recorder) setErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

func (r *recorder) all() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.deliveries...)
}

// env is a sandbox with its page served on 127.0.0.1.
type env struct {
	p      *Provider
	app    *fakeApp
	rec    *recorder
	clock  *testClock
	server *httptest.Server
	client *http.Client // does not follow redirects
}

var testStart = time.Date(2025, time.January, 15, 10, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{app: &fakeApp{checkouts: map[string]*billd.Checkout{}, lines: map[string][]billd.CheckoutLine{}},
		rec: &recorder{}, clock: &testClock{t: testStart}}
	var n atomic.Int64
	e.server = httptest.NewUnstartedServer(nil)
	p, err := New(Config{Secret: testSecret, BaseURL: "http://" + e.server.Listener.Addr().String(), Now: e.clock.Now,
		Deliver: e.rec.Deliver, NewID: func() string { return fmt.Sprintf("%06d", n.Add(1)) }})
	if err != nil {
		t.Fatal(err)
	}
	e.p = p
	e.server.Config.Handler = p.Handler(e.app)
	e.server.Start()
	t.Cleanup(e.server.Close)
	e.client = &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// open opens a session for a new billd checkout of kind and lines and tells the app of it.
func (e *env) open(t *testing.T, kind billd.CheckoutKind, lines []billd.CheckoutLine, trialDays int64) (*billd.Checkout, *billd.ProviderCheckout) {
	t.Helper()
	id := fmt.Sprintf("chk-%d", len(e.app.checkouts)+1)
	c := &billd.Checkout{ID: id, AccountID: "acct-1", Kind: kind, Provider: Name, Currency: "usd", State: billd.CheckoutOpen,
		PaymentStatus: billd.PaymentUnpaid, SuccessURL: "https://shop.example/success?c=" + billd.CheckoutIDPlaceholder,
		CancelURL: "https://shop.example/cancel", ExpireAt: testStart.Add(billd.CheckoutValidity)}
	customerID, err := e.p.CreateCustomer(context.Background(), &billd.BillingAccount{ID: "acct-1"})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := e.p.CreateCheckout(context.Background(), billd.CheckoutSessionRequest{CheckoutID: id, Kind: kind,
		CustomerID: customerID, Currency: "usd", Lines: lines, TrialDays: trialDays, SuccessURL: c.SuccessURL,
		CancelURL: c.CancelURL, ExpiresAt: c.ExpireAt})
	if err != nil {
		t.Fatal(err)
	}
	c.ProviderID, c.URL = pc.ID, pc.URL
	e.app.put(c, lines)
	return c, pc
}

var oneProduct = []billd.CheckoutLine{{ProductID: "p1", Name: "1000 credits", UnitAmount: 1250, Quantity: 2}}

// get fetches a page and returns its status and body.
func (e *env) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := e.client.Get(e.server.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	return readResponse(t, resp)
}

// post posts a form as the page itself does (same origin) and returns the response's status,
// Location and body.
func (e *env) post(t *testing.T, path string, form url.Values) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.server.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	status, body := readResponse(t, resp)
	return status, resp.Header.Get("Location"), body
}

func readResponse(t *testing.T, resp *http.Response) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// card returns the form of a card that expires in December 2030.
func cardValues(number string) url.Values {
	return url.Values{"card_number": {number}, "card_expiry": {"12/30"}, "card_cvc": {"123"}, "card_name": {"Ada Lovelace"}}
}

var statusRE = regexp.MustCompile(`id="status"[^>]*>([^<]*)<`)

// statusOfPage returns the text of a page's #status.
func statusOfPage(t *testing.T, body string) string {
	t.Helper()
	m := statusRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("page has no #status:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// parse verifies and parses a delivery with the env's provider.
func (e *env) parse(t *testing.T, d delivery) *billd.ProviderEvent {
	t.Helper()
	ev, err := e.p.ParseEvent(d.payload, d.header)
	if err != nil {
		t.Fatalf("ParseEvent of a delivered event: %v\n%s", err, d.payload)
	}
	return ev
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := billd.ErrorCode(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
}

var errDown = errors.New("billd is down")

// customerOf returns the customer of the session of billd's checkout id.
func (e *env) customerOf(checkoutID string) string {
	e.p.mu.Lock()
	defer e.p.mu.Unlock()
	return e.p.mem.byCheckout[checkoutID].req.CustomerID
}
