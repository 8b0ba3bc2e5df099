package stripetest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// Bounds of what a Proxy keeps.
const (
	maxExchanges = 1000    // exchanges recorded; later ones are forwarded, not recorded
	maxBody      = 1 << 20 // bytes of a request or an answer body: larger ones fail
)

// Exchange is one request that passed through a Proxy, and its answer.
type Exchange struct {
	Method string
	Path   string
	Form   url.Values // a POST's form body, else the query
	Status int
	Body   []byte // the answer's body, as the server under test got it
}

// Proxy is a reverse proxy in front of a Stripe API (stripe-mock) that records what passes
// through it and may rewrite answers. A server under test pointed at it, instead of at
// stripe-mock, lets the test learn the ids stripe-mock made up (each create makes new ones),
// check what the server sent, and play the part of Stripe's memory, which stripe-mock lacks:
// rewrite the answer about an object to the state the test gave it.
type Proxy struct {
	// URL is the proxy's base URL on 127.0.0.1: the API base to give the server under test.
	URL string

	next http.RoundTripper

	mu        sync.Mutex
	exchanges []Exchange
	rewrites  map[string]func(status int, body []byte) (int, []byte) // by "METHOD path"
}

// NewProxy starts a proxy to the API at target (a base URL such as Mock.URL) on a loopback port.
// It stops when t ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		t.Fatalf("stripetest: proxy target %q is not a URL", target)
	}
	p := &Proxy{next: http.DefaultTransport, rewrites: map[string]func(int, []byte) (int, []byte){}}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(u) },
		Transport: p,
	}
	srv := httptest.NewServer(rp) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Rewrite makes fn rewrite the answers to requests of method and path (no query), from now on;
// a later Rewrite of the same request replaces it.
func (p *Proxy) Rewrite(method, path string, fn func(status int, body []byte) (int, []byte)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rewrites[method+" "+path] = fn
}

// Exchanges returns the recorded exchanges of method and path, oldest first.
func (p *Proxy) Exchanges(method, path string) []Exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Exchange
	for _, e := range p.exchanges {
		if e.Method == method && e.Path == path {
			out = append(out, e)
		}
	}
	return out
}

// Find returns the last recorded exchange of method and path whose form has every field of
// want, failing t if there is none.
func (p *Proxy) Find(t testing.TB, method, path string, want map[string]string) Exchange {
	t.Helper()
	all := p.Exchanges(method, path)
	for i := len(all) - 1; i >= 0; i-- {
		if formHas(all[i].Form, want) {
			return all[i]
		}
	}
	t.Fatalf("stripetest: no %s %s with %v among %d such requests", method, path, want, len(all))
	return Exchange{}
}

// formHas reports whether form has each field of want with that one value.
func formHas(form url.Values, want map[string]string) bool {
	for k, v := range want {
		if got := form[k]; len(got) != 1 || got[0] != v {
			return false
		}
	}
	return true
}

// RoundTrip sends req on to the API, records it and its answer and applies the rewrite of its
// method and path.
func (p *Proxy) RoundTrip(req *http.Request) (*http.Response, error) {
	e := Exchange{Method: req.Method, Path: req.URL.Path, Form: req.URL.Query()}
	if req.Body != nil {
		body, err := io.ReadAll(io.LimitReader(req.Body, maxBody+1))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		if len(body) > maxBody {
			return nil, fmt.Errorf("stripetest: a request body of more than %d bytes", maxBody)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil && len(body) > 0 {
			e.Form = form
		}
	}
	resp, err := p.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("stripetest: an answer of more than %d bytes to %s %s", maxBody, req.Method, req.URL.Path)
	}
	p.mu.Lock()
	rewrite := p.rewrites[req.Method+" "+req.URL.Path]
	p.mu.Unlock()
	if rewrite != nil {
		resp.StatusCode, body = rewrite(resp.StatusCode, body)
		resp.Status = ""
		resp.Header.Del("Content-Length")
	}
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	e.Status, e.Body = resp.StatusCode, body
	p.mu.Lock()
	if len(p.exchanges) < maxExchanges {
		p.exchanges = append(p.exchanges, e)
	}
	p.mu.Unlock()
	return resp, nil
}
