package web

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/billd/billd"
)

// Limits bound the work the server accepts at once and the size of what it answers, so that under
// overload it sheds requests quickly with 503 instead of queueing them until memory or latency run
// away. Zero values pick the defaults.
type Limits struct {
	// MaxInFlight is the number of API requests served at once (default 512).
	MaxInFlight int
	// MaxBodyBytesInFlight bounds the bodies of the requests served at once, counted by their
	// Content-Length or, when it is unknown, by what they have sent so far (default 64 MiB).
	MaxBodyBytesInFlight int64
	// MaxBodyBytesPerPrincipal bounds the bodies one principal has in flight at once, counted as
	// MaxBodyBytesInFlight counts them (default 8 MiB), so that one caller cannot take the whole
	// budget from the others.
	MaxBodyBytesPerPrincipal int64
	// MaxResponseBytes bounds a list response: a page stops before the item that would take its
	// encoding past it and hands out next_page_token for the rest (default 4 MiB). A page always
	// holds one item at least.
	MaxResponseBytes int
}

func (l Limits) withDefaults() Limits {
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = 512
	}
	if l.MaxBodyBytesInFlight <= 0 {
		l.MaxBodyBytesInFlight = 64 << 20
	}
	if l.MaxBodyBytesPerPrincipal <= 0 {
		l.MaxBodyBytesPerPrincipal = 8 << 20
	}
	if l.MaxResponseBytes <= 0 {
		l.MaxResponseBytes = 4 << 20
	}
	return l
}

// admission counts the requests and body bytes in flight, in total and per principal.
type admission struct {
	limits   Limits
	requests atomic.Int64

	mu          sync.Mutex
	bytes       int64            // body bytes in flight
	byPrincipal map[string]int64 // body bytes in flight per principal; no entry when none
}

// newAdmission returns an admission within limits, whose defaults are set.
func newAdmission(limits Limits) *admission {
	return &admission{limits: limits, byPrincipal: map[string]int64{}}
}

// Answers to requests the server has no room for. Nothing of them was applied.
var (
	errOverloaded        = billd.Errorf(billd.EOVERLOADED, "the server is overloaded; retry later")
	errPrincipalBodyFull = billd.Errorf(billd.EOVERLOADED, "this client has too many request bytes in flight; retry later")
)

// enter takes a request slot, or returns errOverloaded. leave gives it back.
func (a *admission) enter() error {
	if a.requests.Add(1) > int64(a.limits.MaxInFlight) {
		a.requests.Add(-1)
		return errOverloaded
	}
	return nil
}

func (a *admission) leave() { a.requests.Add(-1) }

// A body of unknown length (HTTP/1.1 chunked, and HTTP/2 requests such as gRPC's, which carry no
// Content-Length) is counted as it is read, in steps of bodyStep bytes, so that it holds the
// budgets for what it sends, not for the largest body it could send.
const bodyStep = 16 << 10

// bodyBudget is the share of the body budgets one request holds.
type bodyBudget struct {
	a         *admission
	principal string
	held      int64
}

// release gives the request's share back.
func (b *bodyBudget) release() {
	b.a.releaseBody(b.principal, b.held)
	b.held = 0
}

// admitBody reserves the budgets for r's body on behalf of principal: its Content-Length (at most
// MaxBodyBytes, past which it is never read) at once, or, when the length is unknown, as the body
// is read (meteredBody). It returns errOverloaded or errPrincipalBodyFull when there is no room.
func (a *admission) admitBody(r *http.Request, principal string) (*bodyBudget, error) {
	b := &bodyBudget{a: a, principal: principal}
	if r.ContentLength < 0 {
		r.Body = &meteredBody{ReadCloser: r.Body, budget: b}
		return b, nil
	}
	size := min(r.ContentLength, MaxBodyBytes)
	if err := a.reserveBody(principal, size); err != nil {
		return nil, err
	}
	b.held = size
	return b, nil
}

// meteredBody reserves the budgets for the bytes read through it, a step ahead. A read past what
// the budgets allow fails with their error; the request then fails without being applied.
type meteredBody struct {
	io.ReadCloser
	budget *bodyBudget
	read   int64
}

func (m *meteredBody) Read(p []byte) (int, error) {
	if room := m.budget.held - m.read; room < int64(len(p)) {
		step := max(int64(bodyStep), int64(len(p))-room)
		step = min(step, MaxBodyBytes+1-m.budget.held) // the body is never read past MaxBodyBytes
		if step <= 0 && room <= 0 {
			return 0, errTooLarge
		}
		if step > 0 {
			if err := m.budget.a.reserveBody(m.budget.principal, step); err != nil {
				return 0, err
			}
			m.budget.held += step
		}
		p = p[:min(int64(len(p)), m.budget.held-m.read)]
	}
	n, err := m.ReadCloser.Read(p)
	m.read += int64(n)
	return n, err
}

// reserveBody reserves size body bytes for principal, in total and in the principal's own budget,
// or returns errOverloaded or errPrincipalBodyFull. A body larger than a budget is admitted only
// when nothing else holds that budget. releaseBody gives the bytes back.
func (a *admission) reserveBody(principal string, size int64) error {
	if size == 0 {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.bytes > 0 && a.bytes+size > a.limits.MaxBodyBytesInFlight {
		return errOverloaded
	}
	held := a.byPrincipal[principal]
	if held > 0 && held+size > a.limits.MaxBodyBytesPerPrincipal {
		return errPrincipalBodyFull
	}
	a.bytes += size
	a.byPrincipal[principal] = held + size
	return nil
}

func (a *admission) releaseBody(principal string, size int64) {
	if size == 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.bytes -= size
	if held := a.byPrincipal[principal] - size; held > 0 {
		a.byPrincipal[principal] = held
	} else {
		delete(a.byPrincipal, principal)
	}
}
