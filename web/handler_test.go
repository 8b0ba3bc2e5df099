package web

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// testHandler is a Handler over a fresh SQLite store, with its log.
type testHandler struct {
	*Handler
	svc *billd.Service
	log *bytes.Buffer
}

// newTestHandler returns a Handler over a fresh SQLite store, logging at info level into a buffer.
func newTestHandler(t *testing.T, cfg Config) *testHandler {
	t.Helper()
	s := sqltest.Open(t, "sqlite")
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	svc := billd.NewService(billd.Config{Store: s.DB, Logger: logger})
	t.Cleanup(func() { svc.Close() })
	h, err := NewHandler(svc, logger, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testHandler{Handler: h, svc: svc, log: &log}
}

// client creates an API client and returns its id and secret.
func (h *testHandler) client(t *testing.T, in billd.ClientInput) (id, secret string) {
	t.Helper()
	nc, err := h.svc.CreateClient(t.Context(), billd.SystemPrincipal, in)
	if err != nil {
		t.Fatal(err)
	}
	return nc.Client.ID, nc.Secret
}

// serve sends a request with HTTP Basic credentials (none when id is "") and returns the recorded
// answer.
func (h *testHandler) serve(method, target, id, secret, body string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if id != "" {
		r.SetBasicAuth(id, secret)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}
