package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/billd/billd"
)

// fakeStore is a store of API clients only, for tests of the HTTP layer that need a Service but no
// objects: Ping fails while down, and any use case that reads more than a client panics.
type fakeStore struct {
	down    bool
	clients map[string]*billd.Client
}

func (s *fakeStore) Update(ctx context.Context, fn func(billd.Tx) error) error {
	return errors.New("fakeStore is read-only")
}

func (s *fakeStore) View(ctx context.Context, fn func(billd.Tx) error) error {
	return fn(fakeTx{store: s})
}

func (s *fakeStore) Ping(ctx context.Context) error {
	if s.down {
		return errors.New("connection refused")
	}
	return nil
}

func (s *fakeStore) Close() error { return nil }

// fakeTx serves Client; every other method of the embedded nil Tx panics.
type fakeTx struct {
	billd.Tx
	store *fakeStore
}

func (tx fakeTx) Client(ctx context.Context, id string) (*billd.Client, error) {
	if c, ok := tx.store.clients[id]; ok {
		return c, nil
	}
	return nil, billd.Errorf(billd.ENOTFOUND, "client not found")
}

// testHandler is a Handler over a fakeStore, with its log.
type testHandler struct {
	*Handler
	store *fakeStore
	log   *bytes.Buffer
}

// newTestHandler returns a Handler over a fakeStore that knows the client id with secret
// "secret-"+id for each of clients, logging at info level into a buffer.
func newTestHandler(t *testing.T, cfg Config, clients ...billd.Client) *testHandler {
	t.Helper()
	store := &fakeStore{clients: map[string]*billd.Client{}}
	for _, c := range clients {
		sum := sha256.Sum256([]byte("secret-" + c.ID))
		c.SecretHash = hex.EncodeToString(sum[:])
		store.clients[c.ID] = &c
	}
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	svc := billd.NewService(billd.Config{Store: store, Logger: logger, Commit: billd.CommitConfig{Disabled: true}})
	t.Cleanup(func() { svc.Close() })
	h, err := NewHandler(svc, logger, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testHandler{Handler: h, store: store, log: &log}
}

// serve sends a request as the client id ("" for none) and returns the recorded answer.
func (h *testHandler) serve(method, target, clientID, body string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if clientID != "" {
		r.SetBasicAuth(clientID, "secret-"+clientID)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}
