package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/billd/billd/client"
)

// benchClient is what a scenario's operation calls: the Go client, or a lean connection.
type benchClient interface {
	ReportUsage(ctx context.Context, orgID, billingID string, usages []client.Usage) error
	RevertUsage(ctx context.Context, orgID, usageID string, amount int64, key string) error
	Balance(ctx context.Context, orgID, billingID string) (int64, error)
}

// workerClient returns the client of one closed-loop worker, and what ends it: the run's RPC
// client with an RPC transport; over REST its own lean connection for a plain http target, else
// the run's shared Go client.
func workerClient(w *benchWorld, target string) (benchClient, func()) {
	if w.rpc != nil {
		return w.rpc, func() {}
	}
	l, err := newLeanConn(target, w.meterID, w.secret)
	if err != nil {
		return w.meter, func() {}
	}
	return l, l.close
}

// leanConn is one keep-alive HTTP/1.1 connection that speaks just the requests the closed-loop
// scenarios send. The bench runs on the machine it measures, so every microsecond the load
// generator spends is taken from the server: net/http's client does much more per request than a
// benchmark needs (as wrk, written in C, is the usual tool for this). Requests are real HTTP with
// real credentials; answers are read by their Content-Length, which billd always sends.
type leanConn struct {
	addr string // host:port
	auth string // the Authorization header
	c    net.Conn
	br   *bufio.Reader
	buf  []byte
}

func newLeanConn(target, clientID, secret string) (*leanConn, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || strings.Trim(u.Path, "/") != "" {
		return nil, fmt.Errorf("the lean client speaks plain http to a server's root, not %q", target)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return &leanConn{addr: addr, auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+secret))}, nil
}

// do sends one request, with an extra header line if header is not empty, and returns the status
// and body of its answer.
func (l *leanConn) do(method, path, header string, body []byte) (int, []byte, error) {
	if l.c == nil {
		c, err := net.Dial("tcp", l.addr)
		if err != nil {
			return 0, nil, err
		}
		l.c, l.br = c, bufio.NewReaderSize(c, 16<<10)
	}
	b := l.buf[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, l.addr...)
	b = append(b, "\r\nAuthorization: "...)
	b = append(b, l.auth...)
	if header != "" {
		b = append(b, "\r\n"...)
		b = append(b, header...)
	}
	if body != nil {
		b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	l.buf = b
	status, resp, closing, err := l.roundTrip(b)
	if err != nil || closing {
		l.c.Close()
		l.c = nil
	}
	return status, resp, err
}

// roundTrip writes a request and reads its answer: the status, the body, and whether the server
// closes the connection.
func (l *leanConn) roundTrip(req []byte) (status int, body []byte, closing bool, err error) {
	if _, err = l.c.Write(req); err != nil {
		return 0, nil, false, err
	}
	line, err := l.br.ReadSlice('\n')
	if err != nil {
		return 0, nil, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, false, fmt.Errorf("malformed status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, nil, false, err
	}
	length := -1
	for {
		h, err := l.br.ReadSlice('\n')
		if err != nil {
			return 0, nil, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.Atoi(string(value))
			if err != nil {
				return 0, nil, false, err
			}
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			closing = true
		}
	}
	if length < 0 {
		return 0, nil, false, errors.New("answer without Content-Length")
	}
	body = make([]byte, length)
	_, err = io.ReadFull(l.br, body)
	return status, body, closing, err
}

// call sends a request and turns an answer other than 200 into a *client.Error, as the Go client
// does.
func (l *leanConn) call(method, path, header string, body []byte) ([]byte, error) {
	status, resp, err := l.do(method, path, header, body)
	if err != nil {
		return nil, err
	}
	if status != 200 {
		e := &client.Error{Status: status}
		if json.Unmarshal(resp, e) != nil {
			e.Message = string(resp)
		}
		return nil, e
	}
	return resp, nil
}

// ReportUsage implements benchClient.
func (l *leanConn) ReportUsage(_ context.Context, orgID, billingID string, usages []client.Usage) error {
	_, err := l.call("POST", "/v1beta1/organizations/"+orgID+"/billing/"+billingID+"/usages", "", client.UsagesBody(usages))
	return err
}

// RevertUsage implements benchClient.
func (l *leanConn) RevertUsage(_ context.Context, orgID, usageID string, amount int64, key string) error {
	body, _ := json.Marshal(map[string]any{"org_id": orgID, "usage_id": usageID, "amount": client.Int64(amount)})
	header := ""
	if key != "" {
		header = "Idempotency-Key: " + key
	}
	_, err := l.call("POST", "/v1beta1/organizations/billing/usages/revert", header, body)
	return err
}

// Balance implements benchClient.
func (l *leanConn) Balance(_ context.Context, orgID, billingID string) (int64, error) {
	resp, err := l.call("GET", "/v1beta1/organizations/"+orgID+"/billing/"+billingID+"/balance", "", nil)
	if err != nil {
		return 0, err
	}
	var out struct {
		Balance struct {
			Amount client.Int64 `json:"amount"`
		} `json:"balance"`
	}
	err = json.Unmarshal(resp, &out)
	return int64(out.Balance.Amount), err
}

// close ends the connection.
func (l *leanConn) close() {
	if l.c != nil {
		l.c.Close()
	}
}
