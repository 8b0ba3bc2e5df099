// Command webhook-receiver is docs/api.md's Go example of receiving billd's webhooks: it checks
// each delivery's signature and timestamp (verify, the function the guide shows), skips an event
// it has already handled (deliveries are at least once; Billd-Webhook-Id is the event's id),
// prints the event and answers 204 at once.
//
//	WEBHOOK_SECRET=whsec_… go run ./examples/go/webhook-receiver -addr 127.0.0.1:9000
//
// It listens on -addr and takes deliveries on every path. A real receiver would hand the event to
// its own queue and remember handled ids in its database rather than in memory.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// maxBody bounds what one delivery may send.
const maxBody = 1 << 20

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "the address to listen on")
	flag.Parse()
	secret := os.Getenv("WEBHOOK_SECRET")
	if secret == "" {
		log.Fatal("webhook-receiver: WEBHOOK_SECRET is not set (the whsec_… secret billd gave the webhook)")
	}
	srv := &http.Server{Addr: *addr, Handler: newReceiver(secret, os.Stdout), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("webhook-receiver listening on http://%s", *addr)
	log.Fatal(srv.ListenAndServe())
}

// receiver handles deliveries signed with one webhook's secret.
type receiver struct {
	secret string
	out    io.Writer
	mu     sync.Mutex
	seen   map[string]bool // the ids of the events handled
}

func newReceiver(secret string, out io.Writer) *receiver {
	return &receiver{secret: secret, out: out, seen: map[string]bool{}}
}

// event is what billd POSTs; Data holds the event's own fields.
type event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	OrgID     string          `json:"org_id"`
	AccountID string          `json:"account_id"`
	Data      json.RawMessage `json:"data"`
}

func (h *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	} else if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	if r.Method != http.MethodPost || !verify(h.secret, r, body) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var e event
	if err := json.Unmarshal(body, &e); err != nil {
		http.Error(w, "not an event", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	again := h.seen[e.ID]
	h.seen[e.ID] = true
	h.mu.Unlock()
	if !again {
		fmt.Fprintf(h.out, "%s %s account %s: %s\n", e.Type, e.ID, e.AccountID, e.Data)
	}
	w.WriteHeader(http.StatusNoContent)
}

// verify reports whether a delivery is billd's: its signature is the HMAC-SHA256 of
// timestamp + "." + body keyed with the webhook's secret, and its timestamp is recent (a captured
// delivery cannot be replayed later).
func verify(secret string, r *http.Request, body []byte) bool {
	ts := r.Header.Get("Billd-Webhook-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := "v1=" + hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(want), []byte(r.Header.Get("Billd-Webhook-Signature")))
}
