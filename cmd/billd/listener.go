package main

import (
	"bufio"
	"bytes"
	"container/list"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/billd/billd/web"
)

// connLimits bound the client connections the API keeps open.
type connLimits struct {
	max       int           // connections open at once (--max-connections)
	perClient int           // connections from one client address once the server holds half of max (--max-connections-per-client); 0: no cap
	grace     time.Duration // how long a new connection may go without a complete request before it may be closed to make room (--new-conn-grace)
}

// Bounds of the connections answered past the limits.
const (
	maxShedding          = 256             // connections being answered past the limits at once
	maxSheddingPerClient = 64              // of them from one client address
	shedReadTimeout      = 2 * time.Second // to read the first request of such a connection
	shedAnswerTimeout    = 5 * time.Second // to answer it
	maxShedBytes         = 64 << 10        // of its request (headers and body), and of a health answer
)

// connLimiter is the listener of the API. It keeps at most limits.max client connections open.
// Once it holds half of them, it admits no more from a client address (an IPv4 address or an IPv6
// /64) that holds limits.perClient: a client takes what it likes while connections are plentiful
// (a reverse proxy, a load generator), and a fair share when they run short.
//
// When a connection arrives and every slot is taken, it makes room by closing the connection that
// has waited longest without work: an idle keep-alive connection, or one that has not sent a
// complete request within limits.grace (the http.Server's ConnState hook, connState, tells it
// which connections are which). If none may go, or the client address is at its cap, the new
// connection is shed: its first request is read and answered 503 (code 14, Retry-After), and the
// connection closed. Health checks (GET or HEAD /healthz and /readyz) are never refused for lack
// of connections: on a shed connection they are answered by the API handler as usual. At most
// maxShedding connections (maxSheddingPerClient per client address) are being answered at once;
// past that, a connection is closed unanswered.
type connLimiter struct {
	net.Listener
	limits connLimits
	health http.Handler // answers the health checks of shed connections
	now    func() time.Time
	ctx    context.Context // ends when the listener closes
	stop   context.CancelFunc

	mu       sync.Mutex
	open     int
	clients  map[netip.Prefix]*clientConns
	fresh    list.List // *limitedConn that have sent no complete request yet, oldest first
	idle     list.List // *limitedConn idle between requests, longest idle first
	shedding map[net.Conn]bool
	closed   bool
	sheds    sync.WaitGroup
}

// clientConns counts the connections of one client address.
type clientConns struct{ open, shedding int }

func newConnLimiter(l net.Listener, limits connLimits, health http.Handler) *connLimiter {
	ctx, stop := context.WithCancel(context.Background())
	return &connLimiter{Listener: l, limits: limits, health: health, now: time.Now, ctx: ctx, stop: stop,
		clients: map[netip.Prefix]*clientConns{}, shedding: map[net.Conn]bool{}}
}

// limitedConn is a connection that holds a slot; it gives the slot back when closed.
type limitedConn struct {
	net.Conn
	l      *connLimiter
	client netip.Prefix
	since  time.Time     // when it joined its list
	queue  *list.List    // fresh, idle, or nil while it serves a request
	elem   *list.Element // its place in queue
	gone   bool          // its slot is given back
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.l.mu.Lock()
	c.l.release(c)
	c.l.mu.Unlock()
	return err
}

// Accept returns the next connection there is room for, making room if it can, and sheds the
// others.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		client := clientAddress(c.RemoteAddr())
		admitted, evicted, refusal := l.admit(c, client)
		if evicted != nil {
			evicted.Close()
		}
		if admitted != nil {
			return admitted, nil
		}
		l.shed(c, client, refusal)
	}
}

// admit gives c a slot, if need be the slot of the connection evicted (which the caller closes).
// Otherwise it returns the answer to shed c with.
func (l *connLimiter) admit(c net.Conn, client netip.Prefix) (admitted, evicted *limitedConn, refusal []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cc := l.client(client)
	if l.limits.perClient > 0 && cc.open >= l.limits.perClient && 2*l.open >= l.limits.max {
		return nil, nil, clientFullResponse
	}
	now := l.now()
	if l.open >= l.limits.max {
		if evicted = l.evictable(now); evicted == nil {
			return nil, nil, serverFullResponse
		}
		l.release(evicted)
	}
	admitted = &limitedConn{Conn: c, l: l, client: client}
	l.open++
	cc.open++
	l.join(admitted, &l.fresh, now)
	return admitted, evicted, nil
}

// evictable returns the connection to close to make room, or nil if none may go: of the one idle
// the longest and the oldest of those without a complete request past the grace, the older.
func (l *connLimiter) evictable(now time.Time) *limitedConn {
	var idle, fresh *limitedConn
	if e := l.idle.Front(); e != nil {
		idle = e.Value.(*limitedConn)
	}
	if e := l.fresh.Front(); e != nil && now.Sub(e.Value.(*limitedConn).since) >= l.limits.grace {
		fresh = e.Value.(*limitedConn)
	}
	if idle == nil || fresh != nil && fresh.since.Before(idle.since) {
		return fresh
	}
	return idle
}

// connState is the http.Server's ConnState hook: it files each connection by what it waits for.
// A new connection is fresh from Accept on; one that serves a request is in no list.
func (l *connLimiter) connState(c net.Conn, state http.ConnState) {
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if lc.gone {
		return
	}
	switch state {
	case http.StateIdle:
		l.join(lc, &l.idle, l.now())
	case http.StateActive, http.StateHijacked:
		l.leave(lc)
	}
}

// join puts c at the back of queue.
func (l *connLimiter) join(c *limitedConn, queue *list.List, now time.Time) {
	l.leave(c)
	c.since, c.queue, c.elem = now, queue, queue.PushBack(c)
}

// leave takes c out of its queue.
func (l *connLimiter) leave(c *limitedConn) {
	if c.elem != nil {
		c.queue.Remove(c.elem)
		c.queue, c.elem = nil, nil
	}
}

// release gives c's slot back, once.
func (l *connLimiter) release(c *limitedConn) {
	if c.gone {
		return
	}
	c.gone = true
	l.leave(c)
	l.open--
	l.clients[c.client].open--
	l.tidy(c.client)
}

// client returns the counts of a client address.
func (l *connLimiter) client(p netip.Prefix) *clientConns {
	cc := l.clients[p]
	if cc == nil {
		cc = &clientConns{}
		l.clients[p] = cc
	}
	return cc
}

// tidy forgets a client address that has no connection left.
func (l *connLimiter) tidy(p netip.Prefix) {
	if cc := l.clients[p]; cc != nil && cc.open == 0 && cc.shedding == 0 {
		delete(l.clients, p)
	}
}

// shed answers c's first request in the background and closes it, or closes it at once when too
// many connections are being answered already.
func (l *connLimiter) shed(c net.Conn, client netip.Prefix, refusal []byte) {
	l.mu.Lock()
	cc := l.client(client)
	if l.closed || len(l.shedding) >= maxShedding || cc.shedding >= maxSheddingPerClient {
		l.tidy(client)
		l.mu.Unlock()
		_ = c.Close()
		return
	}
	cc.shedding++
	l.shedding[c] = true
	l.sheds.Add(1)
	l.mu.Unlock()
	go func() {
		defer l.sheds.Done()
		l.answer(c, refusal)
		_ = c.Close()
		l.mu.Lock()
		l.clients[client].shedding--
		delete(l.shedding, c)
		l.tidy(client)
		l.mu.Unlock()
	}()
}

// answer reads the first request of a shed connection (a client must see an answer to its request,
// not an unsolicited one) and answers it: a health check as the handler does, anything else with
// refusal.
func (l *connLimiter) answer(c net.Conn, refusal []byte) {
	_ = c.SetReadDeadline(time.Now().Add(shedReadTimeout))
	req, err := http.ReadRequest(bufio.NewReader(io.LimitReader(c, maxShedBytes)))
	if err != nil {
		return
	}
	_ = c.SetWriteDeadline(time.Now().Add(shedAnswerTimeout))
	if web.IsHealthCheck(req) {
		l.serveHealth(c, req)
		return
	}
	_, _ = io.Copy(io.Discard, req.Body)
	_, _ = c.Write(refusal)
}

// serveHealth answers a health check with the API handler and closes the connection.
func (l *connLimiter) serveHealth(c net.Conn, req *http.Request) {
	ctx, cancel := context.WithTimeout(l.ctx, shedAnswerTimeout)
	defer cancel()
	req = req.WithContext(ctx)
	req.RemoteAddr = c.RemoteAddr().String()
	w := &bufferedResponse{header: http.Header{}}
	l.health.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	resp := &http.Response{StatusCode: w.status, ProtoMajor: 1, ProtoMinor: 1, Header: w.header, Request: req,
		Body: io.NopCloser(&w.body), ContentLength: int64(w.body.Len()), Close: true}
	_ = resp.Write(c)
}

// bufferedResponse is an http.ResponseWriter that keeps a small answer in memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedResponse) Header() http.Header { return w.header }

func (w *bufferedResponse) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *bufferedResponse) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.body.Len()+len(p) > maxShedBytes {
		return 0, http.ErrContentLength
	}
	return w.body.Write(p)
}

// Close stops accepting connections and ends the answers to shed ones.
func (l *connLimiter) Close() error {
	err := l.Listener.Close()
	l.stop()
	l.mu.Lock()
	l.closed = true
	for c := range l.shedding {
		_ = c.SetDeadline(time.Now())
	}
	l.mu.Unlock()
	l.sheds.Wait()
	return err
}

// clientAddress is the client address a connection counts against: its IPv4 address, or the /64
// of its IPv6 address (a single host commonly holds a whole /64).
func clientAddress(addr net.Addr) netip.Prefix {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return netip.Prefix{}
	}
	ip := ap.Addr().Unmap().WithZone("")
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// The answers to a shed request, in the Frontier error shape.
var (
	serverFullResponse = overloadedResponse("the server has too many connections; retry later")
	clientFullResponse = overloadedResponse("too many connections from your address; retry later")
)

func overloadedResponse(msg string) []byte {
	body := `{"code":14,"message":"` + msg + `","details":[]}`
	return []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n" +
		"Connection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}
