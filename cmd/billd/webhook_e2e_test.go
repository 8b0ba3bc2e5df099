package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/client"
)

// hookReceiver records the webhook deliveries it gets and answers 200.
type hookReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []*http.Request
	raw [][]byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got, h.raw = append(h.got, r), append(h.raw, body)
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// wait waits until the receiver got n deliveries and returns the nth.
func (h *hookReceiver) wait(t *testing.T, n int) (*http.Request, []byte) {
	t.Helper()
	for deadline := time.Now().Add(waitTimeout); ; time.Sleep(10 * time.Millisecond) {
		h.mu.Lock()
		if len(h.got) >= n {
			defer h.mu.Unlock()
			return h.got[n-1], h.raw[n-1]
		}
		h.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("the receiver did not get delivery %d", n)
		}
	}
}

// verifySignature is the receiver's check of docs/api.md, written independently of billd's code.
func verifySignature(secret string, r *http.Request, body []byte) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(r.Header.Get("Billd-Webhook-Timestamp") + "."))
	m.Write(body)
	return hmac.Equal([]byte("v1="+hex.EncodeToString(m.Sum(nil))), []byte(r.Header.Get("Billd-Webhook-Signature")))
}

// TestWebhookEndToEnd registers a webhook through the API of `billd serve`, bills an overdraft,
// and checks that the receiver gets invoice.created once, signed, that the delivery log says so,
// and that a redelivery sends the same event again.
func TestWebhookEndToEnd(t *testing.T) {
	flags := []string{"--webhooks-allow-private", "--overdraft-product", "e2e-overdraft", "--invoice-day", "0"}
	eachStoreWith(t, adminEnv, flags, func(t *testing.T, s *server) {
		ctx := t.Context()
		s.ok(req{method: "POST", path: "/v1beta1/billing/products", body: map[string]any{"body": map[string]any{
			"name": "e2e-overdraft", "behavior": "credits", "behavior_config": map[string]any{"credit_amount": 10},
			"prices": []any{map[string]any{"name": "unit", "currency": "usd", "amount": 100}}}}})
		w := newWorld(t, s, 0)
		s.ok(req{method: "PUT", path: w.billing("/details"), body: map[string]any{"credit_min": -1000, "due_in_days": 14}})
		rec := newHookReceiver(t)
		c := s.goClient(admin, 2)
		hook, err := c.CreateWebhook(ctx, w.orgID, rec.srv.URL+"/in", "invoice.created")
		if err != nil || !strings.HasPrefix(hook.Secret, "whsec_") {
			t.Fatalf("create webhook: %+v, %v", hook, err)
		}
		w.use(t, s, billd.NewUUID(), 100)
		s.ok(req{method: "POST", path: "/v1beta1/admin/billing/invoices/generate", body: ""})

		r, body := rec.wait(t, 1)
		if !verifySignature(hook.Secret, r, body) {
			t.Errorf("the signature of %s does not verify", body)
		}
		var event struct{ ID, Type, OrgID string }
		if err := json.Unmarshal(body, &event); err != nil || event.Type != "invoice.created" || r.Header.Get("Billd-Webhook-Id") != event.ID {
			t.Fatalf("event %s (%v), want invoice.created with its id in the header", body, err)
		}
		var ds []client.Delivery
		for deadline := time.Now().Add(waitTimeout); len(ds) == 0 || ds[0].State != "delivered"; time.Sleep(10 * time.Millisecond) {
			if ds, err = c.WebhookDeliveries(ctx, w.orgID, hook.ID); err != nil || time.Now().After(deadline) {
				t.Fatalf("deliveries %+v, %v: want one delivered", ds, err)
			}
		}
		if len(ds) != 1 || ds[0].Attempts != 1 || ds[0].EventID != event.ID {
			t.Fatalf("deliveries %+v, want the event delivered at the first attempt", ds)
		}
		if err := c.RedeliverWebhook(ctx, w.orgID, hook.ID, ds[0].ID); err != nil {
			t.Fatal(err)
		}
		again, body2 := rec.wait(t, 2)
		if again.Header.Get("Billd-Webhook-Id") != event.ID || string(body2) != string(body) || !verifySignature(hook.Secret, again, body2) {
			t.Errorf("redelivered %s, want the same event, signed", body2)
		}
		if err := c.DeleteWebhook(ctx, w.orgID, hook.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWebhookPrivateReceiverRefusedByServe: without --webhooks-allow-private, a receiver on a
// loopback address is refused at registration.
func TestWebhookPrivateReceiverRefusedByServe(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 0)
		_, err := s.goClient(admin, 1).CreateWebhook(t.Context(), w.orgID, "http://127.0.0.1:8080/hook")
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || !strings.Contains(apiErr.Message, "private") {
			t.Fatalf("create webhook on 127.0.0.1: %v, want 400 naming the private address", err)
		}
	})
}
