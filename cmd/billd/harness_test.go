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
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billd/billd/sqlstore/sqltest"
)

// The end-to-end tests start the real run function on port 0, as `billd serve` would run, and
// speak HTTP to it.

const (
	adminID     = "e2e-admin"
	adminSecret = "e2e-admin-secret-0123456789"
	adminKey    = "billd_e2e-admin-api-key-0123456789"
)

// server is a running billd.
type server struct {
	t      testing.TB
	url    string
	dsn    string
	http   *http.Client
	banner []string     // what serve printed before "billd listening on"
	stop   func() error // stops serve and returns what run returned
}

// eachStore runs fn against a billd on SQLite and one on PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, s *server)) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, startServer(t, sqltest.DSN(t, name)))
		})
	}
}

// adminEnv is the environment of a billd whose platform admin the tests know.
var adminEnv = map[string]string{
	"BILLD_ADMIN_CLIENT_ID":     adminID,
	"BILLD_ADMIN_CLIENT_SECRET": adminSecret,
	"BILLD_ADMIN_API_KEY":       adminKey,
}

// startServer runs `billd serve --addr 127.0.0.1:0 --db dsn` with the known admin until the test
// ends, and checks that it then shuts down cleanly.
func startServer(t testing.TB, dsn string) *server {
	t.Helper()
	return serveWith(t, dsn, adminEnv)
}

// serveWith runs `billd serve` on dsn with the environment env and extra flags, and returns once it
// listens. The
// server's banner is what it printed before listening; stop (also run when the test ends) shuts it
// down and returns what run returned.
func serveWith(t testing.TB, dsn string, env map[string]string, flags ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		args := []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--log-level", "warn", "--db-conns", strconv.Itoa(sqltest.MaxConns),
			"--secret-hash-iterations", "600"}
		err := run(ctx, append(args, flags...),
			func(k string) string { return env[k] }, strings.NewReader(""), pw, stderr)
		pw.CloseWithError(fmt.Errorf("run returned: %v", err))
		done <- err
	}()
	type started struct {
		url    string
		banner []string
	}
	ready := make(chan started, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		var banner []string
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "billd listening on "); ok {
				ready <- started{rest, banner}
				io.Copy(io.Discard, pr)
				return
			}
			banner = append(banner, sc.Text())
		}
		ready <- started{"", banner}
	}()
	stop := sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return errors.New("billd did not shut down within 20s")
		}
	})
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("billd serve: %v\nlog:\n%s", err, stderr.String())
		} else if t.Failed() {
			t.Logf("billd log:\n%s", stderr.String())
		}
	})
	var st started
	select {
	case st = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("billd did not start within 30s")
	}
	if st.url == "" {
		t.Fatalf("billd exited before listening: %v\nstdout: %q\nlog:\n%s", stop(), st.banner, stderr.String())
	}
	return &server{t: t, url: st.url, dsn: dsn, http: &http.Client{Timeout: 30 * time.Second}, banner: st.banner, stop: stop}
}

// syncBuffer collects the server's log, shown when a test fails.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// creds are the credentials a request presents.
type creds struct {
	id, secret string // HTTP Basic
	key        string // HTTP Bearer
}

var admin = creds{id: adminID, secret: adminSecret}

// req describes one request.
type req struct {
	method, path string
	body         any // encoded as JSON unless it is a string (sent as is) or nil
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
	switch {
	case c.key != "":
		hr.Header.Set("Authorization", "Bearer "+c.key)
	case c.id != "":
		hr.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.id+":"+c.secret)))
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
