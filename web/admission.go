package web

import (
	"net/http"
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
	// Content-Length, or MaxBodyBytes when it is unknown (default 64 MiB).
	MaxBodyBytesInFlight int64
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
	if l.MaxResponseBytes <= 0 {
		l.MaxResponseBytes = 4 << 20
	}
	return l
}

// admission counts the requests and body bytes in flight.
type admission struct {
	limits   Limits
	requests atomic.Int64
	bytes    atomic.Int64
}

// errOverloaded is the answer to a request the server has no room for. Nothing of it was applied.
var errOverloaded = billd.Errorf(billd.EOVERLOADED, "the server is overloaded; retry later")

// admit reserves room for r and returns the function that releases it, or errOverloaded.
func (a *admission) admit(r *http.Request) (release func(), err error) {
	size := r.ContentLength
	if size < 0 || size > MaxBodyBytes {
		size = MaxBodyBytes
	}
	if a.requests.Add(1) > int64(a.limits.MaxInFlight) {
		a.requests.Add(-1)
		return nil, errOverloaded
	}
	if a.bytes.Add(size) > a.limits.MaxBodyBytesInFlight && size < a.limits.MaxBodyBytesInFlight {
		a.bytes.Add(-size)
		a.requests.Add(-1)
		return nil, errOverloaded
	}
	return func() {
		a.bytes.Add(-size)
		a.requests.Add(-1)
	}, nil
}
