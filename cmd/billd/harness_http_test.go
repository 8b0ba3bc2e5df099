package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd/client"
)

// The request helpers of the end-to-end tests: one request at a time with its answer decoded and
// checked (do, ok, fails), and a Go client for the load of the process-level tests (goClient).

// creds are the credentials a request presents.
type creds struct {
	id, secret string // HTTP Basic
	key        string // HTTP Bearer
}

var admin = creds{id: adminID, secret: adminSecret}

// authorization is the Authorization header that presents c; "" for no credentials.
func (c creds) authorization() string {
	switch {
	case c.key != "":
		return "Bearer " + c.key
	case c.id != "":
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.id+":"+c.secret))
	}
	return ""
}

// req describes one request.
type req struct {
	method, path string
	body         any // encoded as JSON unless it is nil, a string (sent as is) or an io.Reader (sent as is, chunked: with no Content-Length)
	as           *creds
	header       map[string]string
}

// response is a decoded response.
type response struct {
	status int
	header http.Header
	raw    []byte
	json   map[string]any
}

// do sends r (as the admin unless r.as is set) and decodes the JSON response.
func (s *server) do(r req) response {
	s.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case io.Reader:
		body = io.MultiReader(b) // a reader of unknown length: net/http sends it chunked
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		body = bytes.NewReader(enc)
	}
	hr, err := http.NewRequest(r.method, s.url+r.path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	c := admin
	if r.as != nil {
		c = *r.as
	}
	if auth := c.authorization(); auth != "" {
		hr.Header.Set("Authorization", auth)
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	resp, err := s.http.Do(hr)
	if err != nil {
		s.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		s.t.Fatalf("%s %s: Content-Type %q, want application/json; body %s", r.method, r.path, ct, raw)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&out.json); err != nil {
		s.t.Fatalf("%s %s: response is not a JSON object: %v: %s", r.method, r.path, err, raw)
	}
	return out
}

// ok sends r and fails the test unless it answers 200.
func (s *server) ok(r req) map[string]any {
	s.t.Helper()
	resp := s.do(r)
	if resp.status != http.StatusOK {
		s.t.Fatalf("%s %s: status %d, want 200: %s", r.method, r.path, resp.status, resp.raw)
	}
	return resp.json
}

// fails sends r and checks the error status, the Frontier error body and, if given, a substring
// of the message.
func (s *server) fails(r req, status, grpcCode int, msg string) response {
	s.t.Helper()
	resp := s.do(r)
	if resp.status != status {
		s.t.Fatalf("%s %s: status %d, want %d: %s", r.method, r.path, resp.status, status, resp.raw)
	}
	checkErrorBody(s.t, resp, grpcCode, msg)
	return resp
}

// checkErrorBody checks {"code": grpcCode, "message": "...msg...", "details": []}.
func checkErrorBody(t testing.TB, resp response, grpcCode int, msg string) {
	t.Helper()
	keys(t, "error", resp.json, "code", "message", "details")
	if code, _ := resp.json["code"].(json.Number).Int64(); int(code) != grpcCode {
		t.Errorf("error code %v, want %d: %s", resp.json["code"], grpcCode, resp.raw)
	}
	m, _ := resp.json["message"].(string)
	if m == "" || !strings.Contains(m, msg) {
		t.Errorf("error message %q, want it to contain %q", m, msg)
	}
	if d, ok := resp.json["details"].([]any); !ok || len(d) != 0 {
		t.Errorf("details %v, want []", resp.json["details"])
	}
}

// keys checks that obj is a JSON object with exactly the given keys.
func keys(t testing.TB, what string, obj any, want ...string) map[string]any {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%s: %v is not a JSON object", what, obj)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: field %q missing (have %v)", what, k, sortedKeys(m))
		}
	}
	if len(m) != len(want) {
		t.Errorf("%s: fields %v, want exactly %v", what, sortedKeys(m), want)
	}
	return m
}

func sortedKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// int64String checks that v is an int64 written as a JSON string and returns it.
func int64String(t testing.TB, what string, v any) int64 {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%s: %v (%T) is not an int64 string", what, v, v)
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || fmt.Sprint(n) != s {
		t.Fatalf("%s: %q is not an int64", what, s)
	}
	return n
}

// timestamp checks that v is an RFC 3339 UTC timestamp string and returns it.
func timestamp(t testing.TB, what string, v any) time.Time {
	t.Helper()
	s, ok := v.(string)
	if !ok || !strings.HasSuffix(s, "Z") {
		t.Fatalf("%s: %v is not an RFC 3339 UTC timestamp", what, v)
	}
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return ts
}

// str returns a string field of a JSON object.
func str(t testing.TB, obj map[string]any, key string) string {
	t.Helper()
	s, ok := obj[key].(string)
	if !ok {
		t.Fatalf("field %q = %v, want a string", key, obj[key])
	}
	return s
}

// obj returns an object field of a JSON object.
func obj(t testing.TB, m map[string]any, key string) map[string]any {
	t.Helper()
	o, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("field %q = %v, want an object", key, m[key])
	}
	return o
}

// goClient returns a Go client of s with the credentials c (HTTP Basic) and up to conns
// connections, for load from many goroutines.
func (s *server) goClient(c creds, conns int) *client.Client {
	return client.New(s.url, c.id, c.secret, conns)
}

// Raw requests, for what the Go client cannot do: hold a body back.

// startPost dials s and sends the headers of a POST to path that announce size body bytes, then
// the first bytes of the body. The connection is closed when the test ends.
func startPost(t testing.TB, s *server, path string, header map[string]string, size int, first []byte) net.Conn {
	t.Helper()
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var b strings.Builder
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", path, u.Host, size)
	if _, ok := header["Content-Type"]; !ok {
		b.WriteString("Content-Type: application/json\r\n")
	}
	for k, v := range header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	if _, err := fmt.Fprint(c, b.String()+"\r\n"+string(first)); err != nil {
		t.Fatal(err)
	}
	return c
}

// slowBody starts a POST whose body never comes: its headers announce size bytes, then only "{"
// follows.
func slowBody(t testing.TB, s *server, path string, header map[string]string, size int) net.Conn {
	t.Helper()
	return startPost(t, s, path, header, size, []byte("{"))
}

// authHeader is the header that presents c.
func authHeader(c creds) map[string]string {
	return map[string]string{"Authorization": c.authorization()}
}

// statusOf reads the status of the response on c, waiting for it at most 20 s (the server gives
// up on a body after its 30 s read timeout).
func statusOf(t *testing.T, c net.Conn) int {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a request whose body was not sent: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// heldPost is a POST whose body the test holds back: its headers and the first byte of its body
// are sent, and its answer is read in the background.
type heldPost struct {
	t      testing.TB
	s      *server
	path   string
	header map[string]string
	body   []byte
	conn   net.Conn
	answer <-chan int
}

// holdPost starts a POST of body to path, holding back all of the body but its first byte.
func holdPost(t testing.TB, s *server, path string, header map[string]string, body []byte) *heldPost {
	t.Helper()
	h := &heldPost{t: t, s: s, path: path, header: header, body: body}
	h.start()
	return h
}

func (h *heldPost) start() {
	h.t.Helper()
	h.conn = startPost(h.t, h.s, h.path, h.header, len(h.body), h.body[:1])
	h.answer = answerOf(h.conn)
}

// againIfRefused starts the request again on a new connection if the server refused it with 503
// (it came while the room it needs was taken); any other answer fails the test.
func (h *heldPost) againIfRefused() {
	h.t.Helper()
	select {
	case status := <-h.answer:
		if status != http.StatusServiceUnavailable {
			h.t.Fatalf("POST %s, its body held back, was answered %d (0: the connection ended)", h.path, status)
		}
		h.conn.Close()
		h.start()
	default:
	}
}

// release sends the rest of the body and returns the answer's status.
func (h *heldPost) release() int {
	h.t.Helper()
	if _, err := h.conn.Write(h.body[1:]); err != nil {
		h.t.Fatalf("POST %s: sending the rest of its body: %v", h.path, err)
	}
	select {
	case status := <-h.answer:
		return status
	case <-time.After(waitTimeout):
		h.t.Fatalf("POST %s: no answer within %s of its whole body", h.path, waitTimeout)
		return 0
	}
}

// answerOf reads the response on c in the background: the channel receives its status, or 0 if
// the connection ends first (the test's cleanup closes it).
func answerOf(c net.Conn) <-chan int {
	status := make(chan int, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			status <- 0
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	return status
}
