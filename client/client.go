// Package client is a Go client of billd's Frontier-dialect HTTP API, used by `billd bench` and
// by tests. It covers what they need: organizations, billing accounts, credits, usage, reverts,
// balances, API clients and the ledger check.
package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Client calls one billd server with one set of credentials.
type Client struct {
	base string
	auth string // the Authorization header
	http *http.Client
}

// New returns a client of the server at baseURL that authenticates with HTTP Basic; maxConns is
// the number of connections it keeps open to the server.
func New(baseURL, clientID, secret string, maxConns int) *Client {
	return &Client{
		base: baseURL,
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+secret)),
		http: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        maxConns,
			MaxIdleConnsPerHost: maxConns,
			MaxConnsPerHost:     maxConns,
			IdleConnTimeout:     90 * time.Second,
		}},
	}
}

// As returns a client of the same server and connections with other credentials.
func (c *Client) As(clientID, secret string) *Client {
	d := *c
	d.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+secret))
	return &d
}

// Error is an error answer of the server: its HTTP status, gRPC code and message.
type Error struct {
	Status  int
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("HTTP %d code %d: %s", e.Status, e.Code, e.Message)
}

// do sends a request with an optional JSON body and decodes a 200 answer into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any, header map[string]string) error {
	var body io.Reader
	switch b := in.(type) {
	case nil:
	case []byte: // already JSON
		body = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", c.auth)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && out == nil {
		_, err := io.Copy(io.Discard, resp.Body)
		return err
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{Status: resp.StatusCode}
		if err := json.Unmarshal(raw, e); err != nil {
			e.Message = string(raw)
		}
		return e
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// Int64 reads an int64 written as a JSON string.
type Int64 int64

// UnmarshalJSON reads "123" or 123.
func (v *Int64) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	n, err := strconv.ParseInt(s, 10, 64)
	*v = Int64(n)
	return err
}

// MarshalJSON writes the value as a string, as proto3 JSON does.
func (v Int64) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatInt(int64(v), 10) + `"`), nil
}
