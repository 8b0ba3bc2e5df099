package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billd/billd/sqlstore/sqltest"
)

// The connection limits. Loopback holds all of 127/8, so a test dials from 127.0.0.2, 127.0.0.3, …
// to act as distinct client addresses. Nothing is judged by time: the tests wait for conditions,
// and the in-process limiter runs on a clock the test moves.

// opsConn is a raw HTTP/1.1 client connection from one client address.
type opsConn struct {
	net.Conn
	r *bufio.Reader
}

// opsDial connects to addr from 127.0.0.n; the connection is closed when the test ends.
func opsDial(t *testing.T, addr string, n byte) *opsConn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, n)}, Timeout: 30 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from 127.0.0.%d: %v", addr, n, err)
	}
	t.Cleanup(func() { c.Close() })
	return &opsConn{Conn: c, r: bufio.NewReader(c)}
}

// request sends one request (keep-alive) and returns the answer's status and body.
func (c *opsConn) request(t *testing.T, method, path string) (int, string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: billd\r\n\r\n", method, path); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp, err := http.ReadResponse(c.r, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, string(body)
}

// closedByServer waits until the server closes the connection; it fails t if the server answers
// instead or nothing comes.
func (c *opsConn) closedByServer(t *testing.T, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	b, err := c.r.ReadByte()
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("%s: the server did not close the connection (read %q, %v)", what, b, err)
	}
}

// TestOpsConnectionsPerClient checks --max-connections-per-client through billd serve: an address
// may pass its cap while the server holds less than half of --max-connections; from then on, past
// its cap, it is answered 503, its health checks still are answered as usual, and other addresses
// are served.
func TestOpsConnectionsPerClient(t *testing.T) {
	s := serveWith(t, sqltest.DSN(t, "sqlite"), adminEnv, "--max-connections", "8", "--max-connections-per-client", "2")
	addr := strings.TrimPrefix(s.url, "http://")
	health := map[string]string{}
	for _, path := range []string{"/healthz", "/readyz"} {
		status, body := opsDial(t, addr, 3).request(t, "GET", path)
		health[path] = fmt.Sprint(status, body)
	}
	// Three keep-alive connections from 127.0.0.2: the third passes its cap, with half the
	// server's connections still free.
	first := opsDial(t, addr, 2)
	for _, c := range []*opsConn{first, opsDial(t, addr, 2), opsDial(t, addr, 2)} {
		if status, body := c.request(t, "GET", "/healthz"); status != http.StatusOK {
			t.Fatalf("GET /healthz: %d %s", status, body)
		}
	}
	// Five of eight taken: 127.0.0.2 is past its cap.
	status, body := opsDial(t, addr, 2).request(t, "GET", "/v1beta1/organizations")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"code":14`) || !strings.Contains(body, "too many connections from your address") {
		t.Errorf("another connection from an address past its cap: %d %s; want 503 code 14", status, body)
	}
	for path, want := range health {
		if status, body := opsDial(t, addr, 2).request(t, "GET", path); fmt.Sprint(status, body) != want {
			t.Errorf("GET %s past the address's cap: %d %s; want it answered as usual: %s", path, status, body, want)
		}
	}
	if status, body := opsDial(t, addr, 4).request(t, "GET", "/v1beta1/organizations"); status != http.StatusUnauthorized {
		t.Errorf("another address: %d %s; want it served (401 without credentials)", status, body)
	}
	if status, body := first.request(t, "GET", "/healthz"); status != http.StatusOK {
		t.Errorf("the first connection again: %d %s", status, body)
	}
}

// TestOpsConnectionsMakeRoom checks through billd serve that with every connection taken by idle
// keep-alive connections a new connection is served: an idle one is closed to make room.
func TestOpsConnectionsMakeRoom(t *testing.T) {
	s := serveWith(t, sqltest.DSN(t, "sqlite"), adminEnv, "--max-connections", "2", "--new-conn-grace", "1h")
	addr := strings.TrimPrefix(s.url, "http://")
	for n := byte(2); n <= 3; n++ {
		if status, body := opsDial(t, addr, n).request(t, "GET", "/healthz"); status != http.StatusOK {
			t.Fatalf("GET /healthz: %d %s", status, body)
		}
	}
	// The server files a connection as idle just after its answer: until then it may refuse.
	eventually(t, "a new connection with the others idle", func() error {
		probe := opsDial(t, addr, 4)
		defer probe.Close()
		status, body := probe.request(t, "GET", "/v1beta1/organizations")
		switch status {
		case http.StatusUnauthorized:
			return nil // served (without credentials)
		case http.StatusServiceUnavailable:
			return fmt.Errorf("refused: %d %s", status, body)
		}
		t.Fatalf("a new connection with the others idle: %d %s; want it served (401 without credentials)", status, body)
		return nil
	})
}

// opsClock is the limiter's clock in the tests: each reading is a microsecond after the last, so
// that events keep their order, and advance jumps ahead.
type opsClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *opsClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Microsecond)
	return c.t
}

func (c *opsClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// opsLimiter serves a stub API through a connLimiter on the test's clock. The server has no
// timeouts, so that connections stay as the test leaves them. The stub answers every path with
// "served PATH", and /readyz with 503 "not ready".
func opsLimiter(t *testing.T, limits connLimits) (*connLimiter, string, *opsClock) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "not ready")
			return
		}
		io.WriteString(w, "served "+r.URL.Path)
	})
	l := newConnLimiter(ln, limits, h)
	clock := &opsClock{t: time.Unix(1_000_000_000, 0)}
	l.now = clock.now
	srv := &http.Server{Handler: h, ConnState: l.connState}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l, ln.Addr().String(), clock
}

// waitConns waits until the limiter holds open connections, fresh of them without a complete
// request and idle of them between requests.
func (l *connLimiter) waitConns(t *testing.T, open, fresh, idle int) {
	t.Helper()
	eventually(t, fmt.Sprintf("connections open, fresh, idle: want %d, %d, %d", open, fresh, idle), func() error {
		l.mu.Lock()
		o, f, i := l.open, l.fresh.Len(), l.idle.Len()
		l.mu.Unlock()
		if o != open || f != fresh || i != idle {
			return fmt.Errorf("%d, %d, %d", o, f, i)
		}
		return nil
	})
}

// served checks that a request on c is answered by the handler.
func (c *opsConn) served(t *testing.T, path string) {
	t.Helper()
	if status, body := c.request(t, "GET", path); status != http.StatusOK || body != "served "+path {
		t.Fatalf("GET %s: %d %q; want it served", path, status, body)
	}
}

// TestOpsConnLimiterMakesRoomOldestFirst checks the order in which connections go to make room:
// idle keep-alive connections the longest idle first, and connections without a complete request
// only past the grace, by age among the idle ones.
func TestOpsConnLimiterMakesRoomOldestFirst(t *testing.T) {
	l, addr, clock := opsLimiter(t, connLimits{max: 3, grace: 10 * time.Second})
	a := opsDial(t, addr, 2)
	a.served(t, "/a")
	l.waitConns(t, 1, 0, 1)
	b := opsDial(t, addr, 3) // sends nothing
	l.waitConns(t, 2, 1, 1)
	c := opsDial(t, addr, 4)
	c.served(t, "/c")
	l.waitConns(t, 3, 1, 2)

	d := opsDial(t, addr, 5)
	d.served(t, "/d") // makes room: a, the longest idle (b is within its grace)
	a.closedByServer(t, "the longest idle connection")
	l.waitConns(t, 3, 1, 2)

	clock.advance(10 * time.Second)
	e := opsDial(t, addr, 6)
	e.served(t, "/e") // b, past its grace, waited longer than c and d
	b.closedByServer(t, "the connection without a request past its grace")
	l.waitConns(t, 3, 0, 3)

	opsDial(t, addr, 7).served(t, "/f") // c, idle the longest
	c.closedByServer(t, "the longest idle connection")
	d.served(t, "/d-again")
}

// TestOpsConnLimiterHealthWhenFull checks that with no connection free to go, requests are answered
// 503, by the server's or the address's limit, while health checks are answered by the handler.
func TestOpsConnLimiterHealthWhenFull(t *testing.T) {
	l, addr, _ := opsLimiter(t, connLimits{max: 3, perClient: 1, grace: time.Hour})
	admitted := 0
	for _, tc := range []struct {
		n    byte
		want string // the refusal, or "" if admitted
	}{
		{2, ""},
		{2, ""}, // past its cap, with the server less than half full
		{2, "too many connections from your address"},
		{3, ""},
		{4, "the server has too many connections"},
	} {
		c := opsDial(t, addr, tc.n) // sends nothing: within its grace, it may not go
		if tc.want == "" {
			admitted++
			l.waitConns(t, admitted, admitted, 0)
			continue
		}
		status, body := c.request(t, "GET", "/api")
		if status != http.StatusServiceUnavailable || !strings.Contains(body, tc.want) || !strings.Contains(body, `"code":14`) {
			t.Errorf("from 127.0.0.%d: %d %s; want 503 %q", tc.n, status, body, tc.want)
		}
		opsDial(t, addr, tc.n).served(t, "/healthz")
		if status, body := opsDial(t, addr, tc.n).request(t, "GET", "/readyz"); status != http.StatusServiceUnavailable || body != "not ready" {
			t.Errorf("GET /readyz from 127.0.0.%d: %d %q; want the handler's answer", tc.n, status, body)
		}
		if status, body := opsDial(t, addr, tc.n).request(t, "HEAD", "/healthz"); status != http.StatusOK || body != "" {
			t.Errorf("HEAD /healthz from 127.0.0.%d: %d %q", tc.n, status, body)
		}
		if status, _ := opsDial(t, addr, tc.n).request(t, "POST", "/healthz"); status != http.StatusServiceUnavailable {
			t.Errorf("POST /healthz from 127.0.0.%d: %d; want 503 (not a health check)", tc.n, status)
		}
	}
	l.waitConns(t, 3, 3, 0)
}

// TestOpsClientAddress checks which connections count against one client address.
func TestOpsClientAddress(t *testing.T) {
	for _, tc := range []struct {
		addr, want string
	}{
		{"192.0.2.7:5000", "192.0.2.7/32"},
		{"[::ffff:192.0.2.7]:5000", "192.0.2.7/32"},
		{"[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2::1]:1", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:1", "2001:db8:1:3::/64"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
	} {
		ap := netip.MustParseAddrPort(tc.addr)
		if got := clientAddress(net.TCPAddrFromAddrPort(ap)); got.String() != tc.want {
			t.Errorf("clientAddress(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}
