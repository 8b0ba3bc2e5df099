package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limitListener keeps at most max client connections open. A connection past the limit has its
// first request answered 503 and is closed: it is not left waiting in the accept queue, where idle
// keep-alive connections could starve it, and it holds no memory in the server beyond that
// answer. At most maxShedding connections are being answered at once; past that, a connection is
// closed unanswered.
type limitListener struct {
	net.Listener
	slots    chan struct{}
	shedding chan struct{}
}

const maxShedding = 256

func newLimitListener(l net.Listener, max int) net.Listener {
	return &limitListener{Listener: l, slots: make(chan struct{}, max), shedding: make(chan struct{}, maxShedding)}
}

// overloadedResponse is the answer to a connection past the limit, in the Frontier error shape.
var overloadedResponse = func() []byte {
	body := `{"code":14,"message":"the server has too many connections; retry later","details":[]}`
	return []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n" +
		"Connection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}()

// Accept returns the next connection there is room for, and sheds the others.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
		}
		select {
		case l.shedding <- struct{}{}:
			go func() {
				shed(c)
				<-l.shedding
			}()
		default:
			_ = c.Close()
		}
	}
}

// shed reads the first request of a connection past the limit (a client must see a response to
// its request, not an unsolicited one), answers 503 and closes the connection.
func shed(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	req, err := http.ReadRequest(bufio.NewReaderSize(c, 4096))
	if err != nil {
		return
	}
	_, _ = io.CopyN(io.Discard, req.Body, 64<<10)
	_, _ = c.Write(overloadedResponse)
}

// limitConn gives its slot back when closed.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
